/**
 * The CapabilityStatement served at `GET [base]/metadata`. FhirRouter has no metadata route, and
 * clients (and validators) read this first to learn what the server does.
 */
import { getResourceTypes, globalSchema, MEDPLUM_VERSION } from '@medplum/core';
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
  ResourceType,
} from '@medplum/fhirtypes';
import { indexFhirR4Definitions } from './definitions.ts';
import { SUPPORTED_SEARCH_PARAM_TYPES } from './search.ts';

/** A profile the server claims to support: what a StructureDefinition contributes to the statement. */
export interface SupportedProfile {
  /** The constrained resource type (`StructureDefinition.type`). */
  readonly type: string;
  /** The canonical URL (`StructureDefinition.url`). */
  readonly url: string;
}

export interface CapabilityStatementOptions {
  /** Profiles to list under `rest.resource.supportedProfile`, e.g. the project's StructureDefinitions. */
  readonly profiles?: readonly SupportedProfile[];
  /** `implementation.url`; the HTTP layer sets it to the base URL of the request. */
  readonly baseUrl?: string;
}

const RESOURCE_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'create',
  'search-type',
] as const;

/** Resource types that the router accepts but which are not stored like other resources. */
const NOT_STORED: ReadonlySet<string> = new Set(['Bundle', 'Parameters']);

let searchParamCache: Map<string, CapabilityStatementRestResourceSearchParam[]> | undefined;

function searchParamsOf(type: string): CapabilityStatementRestResourceSearchParam[] {
  searchParamCache ??= new Map();
  let params = searchParamCache.get(type);
  if (!params) {
    params = Object.values(globalSchema.types[type]?.searchParams ?? {})
      .filter((p) => SUPPORTED_SEARCH_PARAM_TYPES.has(p.type) && p.code)
      .map((p) => ({ name: p.code, type: p.type, ...(p.url ? { definition: p.url } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    searchParamCache.set(type, params);
  }
  return params;
}

/** Builds the statement; pure apart from reading the indexed FHIR definitions. */
export function buildCapabilityStatement(options: CapabilityStatementOptions = {}): CapabilityStatement {
  indexFhirR4Definitions();
  const profilesByType = new Map<string, string[]>();
  for (const profile of options.profiles ?? []) {
    const urls = profilesByType.get(profile.type) ?? [];
    if (!urls.includes(profile.url)) urls.push(profile.url);
    profilesByType.set(profile.type, urls);
  }
  const resource: CapabilityStatementRestResource[] = getResourceTypes()
    .filter((type) => !NOT_STORED.has(type))
    .sort()
    .map((type) => {
      const supportedProfile = profilesByType.get(type);
      return {
        type,
        profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
        ...(supportedProfile ? { supportedProfile } : {}),
        interaction: RESOURCE_INTERACTIONS.map((code) => ({ code })),
        versioning: 'versioned',
        readHistory: true,
        updateCreate: true,
        conditionalCreate: true,
        conditionalRead: 'not-supported',
        conditionalUpdate: true,
        conditionalDelete: 'single',
        searchInclude: ['*'],
        searchRevInclude: ['*'],
        searchParam: searchParamsOf(type),
      } satisfies CapabilityStatementRestResource;
    });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    publisher: 'vialwise',
    software: {
      name: 'vialwise embedded FHIR server (Medplum FhirRouter + MemoryRepository)',
      version: MEDPLUM_VERSION,
    },
    implementation: {
      description: 'In-memory FHIR R4 server for development, demos and tests; data is lost on exit',
      ...(options.baseUrl ? { url: options.baseUrl } : {}),
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Unknown search parameters, _has, and number, quantity, composite and special parameters are rejected with 400',
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
      },
    ],
  };
}

/**
 * Returns a copy of `statement` that also lists `profiles` (for example the StructureDefinitions a
 * later profiles step loads) under the matching `rest.resource.supportedProfile`.
 */
export function addSupportedProfiles(
  statement: CapabilityStatement,
  profiles: readonly SupportedProfile[],
): CapabilityStatement {
  const copy = structuredClone(statement);
  for (const rest of copy.rest ?? []) {
    for (const profile of profiles) {
      let entry = rest.resource?.find((r) => r.type === profile.type);
      if (!entry) {
        entry = { type: profile.type as ResourceType };
        rest.resource = [...(rest.resource ?? []), entry];
      }
      const urls = entry.supportedProfile ?? [];
      if (!urls.includes(profile.url)) urls.push(profile.url);
      entry.supportedProfile = urls;
    }
  }
  return copy;
}
