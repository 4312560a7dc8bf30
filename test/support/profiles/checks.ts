/**
 * The checks @medplum/core 5's validator misses (FHIR-NOTES, "Validating with @medplum/core 5"):
 * required bindings to vialwise's value sets, vialwise extensions (context, value type, content),
 * choice types a profile narrows, and the DetectedIssue identifier's shape.
 */
import type { TypedValueWithPath } from '@medplum/core';
import type {
  CodeSystemConcept,
  Coding,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { GAP_CODE_SYSTEM } from '../../../src/domain/vocabulary.ts';
import { CANONICAL_BASE } from '../../../src/fhir/conformance.ts';
import { CODE_SYSTEM_URLS, IDENTIFIER_SYSTEMS, issue, loadProfiles, type Profiles } from './index.ts';

const UCUM = 'http://unitsofmeasure.org';

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

export function checkBindings(tokens: Record<string, TypedValueWithPath[]>): OperationOutcomeIssue[] {
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
export function checkSliceBindings(
  resource: Resource,
  profile: StructureDefinition,
): OperationOutcomeIssue[] {
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
export function checkExtensions(resource: Resource): OperationOutcomeIssue[] {
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
export function checkChoiceTypes(resource: Resource, profile: StructureDefinition): OperationOutcomeIssue[] {
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

export function checkDetectedIssue(resource: Resource): OperationOutcomeIssue[] {
  if (resource.resourceType !== 'DetectedIssue') return [];
  const codes = (resource.code?.coding ?? []).filter((c) => c.system === GAP_CODE_SYSTEM).map((c) => c.code);
  const out: OperationOutcomeIssue[] = [];
  (resource.identifier ?? []).forEach((identifier, index) => {
    if (identifier.system !== IDENTIFIER_SYSTEMS.documentationGap || typeof identifier.value !== 'string')
      return;
    // <Encounter id>:<gap code>:<MedicationAdministration id or line key> (docs/writes.md)
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
