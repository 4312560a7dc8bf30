/**
 * vialwise's conformance resources (built from fhir-profiles/ by `npm run profiles`, committed):
 * its StructureDefinitions, CodeSystems, ValueSets and CapabilityStatement, read as JSON so that
 * the embedded FHIR server can serve them. Nothing is indexed or validated here: validating what
 * vialwise writes against these profiles is a test concern (test/support/profiles/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  Bundle,
  CapabilityStatement,
  CodeSystem,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';

export const CANONICAL_BASE = 'https://vialwise.dev/fhir';

/** Where `npm run profiles` writes the resources (committed). */
export const PROFILE_RESOURCES_DIR = fileURLToPath(
  new URL('../../fhir-profiles/fsh-generated/resources/', import.meta.url),
);

export const CAPABILITY_STATEMENT_URL = `${CANONICAL_BASE}/CapabilityStatement/vialwise`;

export type ConformanceResource = StructureDefinition | CodeSystem | ValueSet | CapabilityStatement;

function isConformanceResource(value: unknown): value is ConformanceResource {
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  return (
    type === 'StructureDefinition' ||
    type === 'CodeSystem' ||
    type === 'ValueSet' ||
    type === 'CapabilityStatement'
  );
}

const read = new Map<string, readonly ConformanceResource[]>();

/** Every conformance resource of a folder, in file-name order (cached per folder). */
export function readConformanceResources(
  dir: string = PROFILE_RESOURCES_DIR,
): readonly ConformanceResource[] {
  const key = path.resolve(dir);
  const cached = read.get(key);
  if (cached) return cached;
  const resources: ConformanceResource[] = [];
  for (const file of fs
    .readdirSync(key)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(key, file), 'utf8'));
    if (!isConformanceResource(parsed)) throw new Error(`${file}: not a conformance resource`);
    resources.push(parsed);
  }
  read.set(key, resources);
  return resources;
}

/** Every conformance resource as a `collection` Bundle, e.g. to seed or serve them. */
export function conformanceBundle(): Bundle<ConformanceResource> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: readConformanceResources().map((resource) =>
      resource.url === undefined ? { resource } : { fullUrl: resource.url, resource },
    ),
  };
}

/** The resource profiles, in the shape a server's CapabilityStatement lists as `supportedProfile`. */
export function supportedProfiles(): { readonly type: string; readonly url: string }[] {
  return readConformanceResources()
    .filter(
      (r): r is StructureDefinition =>
        r.resourceType === 'StructureDefinition' && r.kind === 'resource' && r.derivation === 'constraint',
    )
    .filter((sd) => sd.url)
    .map((sd) => ({ type: sd.type, url: sd.url }));
}
