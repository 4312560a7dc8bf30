/**
 * Checking that every Claim and DetectedIssue vialwise writes conforms to its profile: the
 * conformance resources (src/fhir/conformance.ts) registered with @medplum/core after the R4 base
 * definitions, indexed once per process (src/fhir-server/definitions.ts), and the checks
 * @medplum/core misses (checks.ts). Test support only: nothing here loads at start-up.
 *
 * `validateResource` from @medplum/core checks cardinality, types, fixed/pattern values and FHIRPath
 * invariants, but not required bindings, the value type of an extension or an extension's content
 * (FHIR-NOTES, "Validating with @medplum/core 5").
 */
import path from 'node:path';
import { loadDataType, OperationOutcomeError, validateResource } from '@medplum/core';
import type { TypedValueWithPath } from '@medplum/core';
import type {
  Bundle,
  CapabilityStatement,
  CodeSystem,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { GAP_CODE_SYSTEM } from '../../../src/domain/vocabulary.ts';
import {
  CANONICAL_BASE,
  CAPABILITY_STATEMENT_URL,
  PROFILE_RESOURCES_DIR,
  readConformanceResources,
  type ConformanceResource,
} from '../../../src/fhir/conformance.ts';
import { indexFhirR4Definitions } from '../../../src/fhir-server/definitions.ts';
import {
  checkBindings,
  checkChoiceTypes,
  checkDetectedIssue,
  checkExtensions,
  checkSliceBindings,
} from './checks.ts';

export { CANONICAL_BASE, CAPABILITY_STATEMENT_URL, PROFILE_RESOURCES_DIR, type ConformanceResource };
export { conformanceBundle, supportedProfiles } from '../../../src/fhir/conformance.ts';

export const PROFILE_URLS = {
  claimDraft: `${CANONICAL_BASE}/StructureDefinition/vialwise-claim-draft`,
  /** The claim draft of a hospital, CAH, RHC or FQHC (837I): type of bill, revenue codes. */
  institutionalClaimDraft: `${CANONICAL_BASE}/StructureDefinition/vialwise-institutional-claim-draft`,
  /** The claim draft of a physician office (837P): place of service, no type of bill. */
  professionalClaimDraft: `${CANONICAL_BASE}/StructureDefinition/vialwise-professional-claim-draft`,
  documentationGap: `${CANONICAL_BASE}/StructureDefinition/vialwise-documentation-gap`,
  medicationAdministration: `${CANONICAL_BASE}/StructureDefinition/vialwise-medication-administration`,
  medication: `${CANONICAL_BASE}/StructureDefinition/vialwise-medication`,
} as const;

export const EXTENSION_URLS = {
  discardedAmount: `${CANONICAL_BASE}/StructureDefinition/discarded-amount`,
  containersOpened: `${CANONICAL_BASE}/StructureDefinition/containers-opened`,
  containerUse: `${CANONICAL_BASE}/StructureDefinition/container-use`,
  sourceAdministration: `${CANONICAL_BASE}/StructureDefinition/source-administration`,
  revenueAtRisk: `${CANONICAL_BASE}/StructureDefinition/revenue-at-risk`,
} as const;

export const CODE_SYSTEM_URLS = {
  documentationGap: GAP_CODE_SYSTEM,
  containerUse: `${CANONICAL_BASE}/CodeSystem/container-use`,
  ndcUnitQualifier: `${CANONICAL_BASE}/CodeSystem/ndc-unit-qualifier`,
  priceBasis: `${CANONICAL_BASE}/CodeSystem/price-basis`,
  drugPayment: `${CANONICAL_BASE}/CodeSystem/drug-payment`,
} as const;

export const IDENTIFIER_SYSTEMS = {
  claimDraft: `${CANONICAL_BASE}/sid/claim-draft`,
  documentationGap: `${CANONICAL_BASE}/sid/documentation-gap`,
  device: `${CANONICAL_BASE}/sid/device`,
} as const;

/** The profile each resource type vialwise writes must conform to. */
export const WRITTEN_PROFILES = {
  Claim: PROFILE_URLS.claimDraft,
  DetectedIssue: PROFILE_URLS.documentationGap,
} as const;

export interface Profiles {
  /** Every resource, in file-name order. */
  readonly resources: readonly ConformanceResource[];
  readonly structureDefinitions: readonly StructureDefinition[];
  readonly codeSystems: readonly CodeSystem[];
  readonly valueSets: readonly ValueSet[];
  readonly capabilityStatement: CapabilityStatement;
  /** By canonical URL. */
  readonly byUrl: ReadonlyMap<string, ConformanceResource>;
}

const loaded = new Map<string, Profiles>();

/**
 * Reads the generated conformance resources and registers the StructureDefinitions with
 * @medplum/core (after indexing the R4 base definitions). Cached per folder.
 */
export function loadProfiles(dir: string = PROFILE_RESOURCES_DIR): Profiles {
  const key = path.resolve(dir);
  const cached = loaded.get(key);
  if (cached) return cached;

  const resources = readConformanceResources(key);
  const structureDefinitions = resources.filter(
    (r): r is StructureDefinition => r.resourceType === 'StructureDefinition',
  );
  const capabilityStatement = resources.find(
    (r): r is CapabilityStatement =>
      r.resourceType === 'CapabilityStatement' && r.url === CAPABILITY_STATEMENT_URL,
  );
  if (!capabilityStatement) throw new Error(`${key}: no CapabilityStatement ${CAPABILITY_STATEMENT_URL}`);
  const byUrl = new Map<string, ConformanceResource>();
  for (const resource of resources) if (resource.url) byUrl.set(resource.url, resource);
  for (const url of [...Object.values(PROFILE_URLS), ...Object.values(EXTENSION_URLS)]) {
    const sd = byUrl.get(url);
    if (sd?.resourceType !== 'StructureDefinition' || !sd.snapshot?.element?.length) {
      throw new Error(`${key}: ${url} is missing or has no snapshot (run npm run profiles)`);
    }
  }

  indexFhirR4Definitions();
  for (const sd of structureDefinitions) loadDataType(sd);

  const profiles: Profiles = {
    resources,
    structureDefinitions,
    codeSystems: resources.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem'),
    valueSets: resources.filter((r): r is ValueSet => r.resourceType === 'ValueSet'),
    capabilityStatement,
    byUrl,
  };
  loaded.set(key, profiles);
  return profiles;
}

/** What vialwise requires from the FHIR server it works against. */
export function getCapabilityStatement(): CapabilityStatement {
  return loadProfiles().capabilityStatement;
}

export function profileByUrl(url: string): StructureDefinition {
  const resource = loadProfiles().byUrl.get(url);
  if (resource?.resourceType !== 'StructureDefinition') throw new Error(`unknown profile ${url}`);
  return resource;
}

export function issue(
  expression: string,
  text: string,
  code: OperationOutcomeIssue['code'] = 'invalid',
): OperationOutcomeIssue {
  return { severity: 'error', code, details: { text }, expression: [expression] };
}

// --- Validation entry points -----------------------------------------------------------------

export interface ValidateOptions {
  /** Also return warnings (e.g. reference targets of another type). Default: errors only. */
  readonly warnings?: boolean;
}

/**
 * Validates a resource against one of the vialwise profiles: @medplum/core's validator plus the
 * checks it misses (required bindings to vialwise value sets, extension values and contexts).
 * Returns the issues; an empty list means the resource conforms.
 */
export function validateAgainstProfile(
  resource: Resource,
  profileUrl: string,
  options: ValidateOptions = {},
): OperationOutcomeIssue[] {
  const profile = profileByUrl(profileUrl);
  if (resource.resourceType !== profile.type) {
    return [
      issue(
        String(resource.resourceType),
        `profile ${profileUrl} is for ${profile.type}, not ${resource.resourceType}`,
      ),
    ];
  }
  const tokens: Record<string, TypedValueWithPath[]> = {};
  let issues: OperationOutcomeIssue[];
  try {
    issues = validateResource(resource, { profile, collect: { tokens } });
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    issues = error.outcome.issue ?? [];
  }
  issues = [
    ...issues,
    ...checkChoiceTypes(resource, profile),
    ...checkBindings(tokens),
    ...checkSliceBindings(resource, profile),
    ...checkExtensions(resource),
    ...checkDetectedIssue(resource),
  ];
  return options.warnings ? issues : issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** The setting profile a written Claim must also meet, by its type (institutional or professional). */
function settingProfileOf(claim: Resource): string | undefined {
  if (claim.resourceType !== 'Claim') return undefined;
  const type = claim.type?.coding?.find(
    (c) => c.system === 'http://terminology.hl7.org/CodeSystem/claim-type',
  )?.code;
  return type === 'institutional'
    ? PROFILE_URLS.institutionalClaimDraft
    : type === 'professional'
      ? PROFILE_URLS.professionalClaimDraft
      : undefined;
}

/**
 * Validates a Claim against the profile of its setting (derived from VialwiseClaimDraft) (institutional or
 * professional), or a DetectedIssue against VialwiseDocumentationGap. Any other resource type is
 * an error: vialwise writes nothing else.
 */
export function validateWritten(resource: Resource, options: ValidateOptions = {}): OperationOutcomeIssue[] {
  const type = resource.resourceType;
  if (type !== 'Claim' && type !== 'DetectedIssue') {
    return [
      issue(
        String(type),
        `vialwise writes Claim and DetectedIssue only, not ${String(type)}`,
        'not-supported',
      ),
    ];
  }
  // The setting profiles derive from VialwiseClaimDraft: meeting one meets both.
  return validateAgainstProfile(resource, settingProfileOf(resource) ?? WRITTEN_PROFILES[type], options);
}

/**
 * Validates every Claim and DetectedIssue in a Bundle (e.g. the write-back transaction); other
 * entries are skipped. Expressions are prefixed with the entry.
 */
export function validateWrittenBundle(
  bundle: Bundle,
  options: ValidateOptions = {},
): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  (bundle.entry ?? []).forEach((entry, index) => {
    const resource = entry.resource;
    if (resource?.resourceType !== 'Claim' && resource?.resourceType !== 'DetectedIssue') return;
    for (const found of validateWritten(resource, options)) {
      out.push({
        ...found,
        expression: (found.expression ?? [resource.resourceType]).map(
          (e) => `Bundle.entry[${index}].resource.${e}`,
        ),
      });
    }
  });
  return out;
}

/** One line per issue: `error Claim.item[0]: Missing required property`. */
export function formatIssues(issues: readonly OperationOutcomeIssue[]): string {
  return issues
    .map(
      (i) =>
        `${i.severity} ${(i.expression ?? []).join(', ') || '-'}: ${i.details?.text ?? i.diagnostics ?? ''}`,
    )
    .join('\n');
}

/** Throws an OperationOutcomeError listing every error when the resource does not conform. */
export function assertWritten(resource: Resource): void {
  const issues = validateWritten(resource);
  if (issues.length > 0) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
}
