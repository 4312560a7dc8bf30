/**
 * Pure helpers the UI's views share: resolving references inside what was read, names,
 * quantities and times for people, administrations and posted charges, and the parts of a
 * vialwise DetectedIssue the pages show. No I/O, no clock.
 */
import type {
  ChargeItem,
  CodeableConcept,
  DetectedIssue,
  Encounter,
  HumanName,
  Identifier,
  Medication,
  MedicationAdministration,
  MedicationAdministrationDosage,
  Practitioner,
  Quantity,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { GAPS, isGapCode } from '../domain/gaps.ts';
import { calendarDate, codesOf, extension, localRef, textsOf } from '../domain/fhir-values.ts';
import { EXT, FHIR_ID, GAP_CODE_SYSTEM, SYSTEMS } from '../domain/vocabulary.ts';
import { gapKeyOf, mitigationCode, readGap } from '../fhir/codec/index.ts';
import type { Acknowledgement, Administration, Charge } from './contract.ts';

/** Where prices come from: the demo loads illustrative ones, which every screen must label. */
export interface PriceInfo {
  /** True when the price used for the code on that date of service is illustrative. */
  illustrative(code: string, dateOfService: string): boolean;
  /** True when any loaded price is illustrative (revenue-at-risk estimates carry no code). */
  readonly anyIllustrative: boolean;
}

export const ILLUSTRATIVE_NOTE = 'ILLUSTRATIVE demo prices, not CMS payment limits';

export const ACKNOWLEDGED = 'acknowledged';
export const RESOLVED = 'resolved';

export const SEVERITY_RANK: Readonly<Record<string, number>> = { high: 0, moderate: 1, low: 2 };

/**
 * A FHIR id the UI accepts in a path, a query or a reference it will read: the R4 `id` rule,
 * and not made only of dots (`Practitioner/..` would address the server's root).
 */
export function isSafeId(id: string): boolean {
  return FHIR_ID.test(id) && !/^\.+$/.test(id);
}

export type ResourceIndex = ReadonlyMap<string, Resource>;

/** Resources by `Type/id` (the same resource read twice is kept once). */
export function indexResources(resources: readonly Resource[]): ResourceIndex {
  const index = new Map<string, Resource>();
  for (const r of resources) if (r.id) index.set(`${r.resourceType}/${r.id}`, r);
  return index;
}

export function resolve<T extends Resource>(
  index: ResourceIndex,
  ref: Reference | string | undefined,
  type: T['resourceType'],
): T | undefined {
  const local = localRef(ref);
  const r = local ? index.get(local) : undefined;
  return r?.resourceType === type ? (r as T) : undefined;
}

export function idOf(ref: Reference | string | undefined, type: string): string | undefined {
  const local = localRef(ref);
  return local?.startsWith(`${type}/`) ? local.slice(type.length + 1) : undefined;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** A CodeableConcept for people: its text, else a display, else a code. */
export function conceptText(cc: CodeableConcept | undefined): string | undefined {
  const text = textsOf(cc)[0];
  if (text) return text;
  const code = cc?.coding?.find((c) => typeof c.code === 'string')?.code;
  return code ?? undefined;
}

export function personName(names: readonly HumanName[] | undefined): string | undefined {
  const n = names?.find((x) => x.use === 'official') ?? names?.[0];
  if (!n) return undefined;
  if (n.text) return n.text;
  const parts = [...(n.prefix ?? []), ...(n.given ?? []), n.family, ...(n.suffix ?? [])].filter(
    (p): p is string => !!p,
  );
  return parts.length ? parts.join(' ') : undefined;
}

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/**
 * The identifier of a given HL7 v2 type (MR for a medical record number, AN/VN for an account
 * or visit number), else one whose system names it, else the first usable one: EHRs differ in
 * how they type them, and people recognise the value.
 */
export function identifierOfType(
  ids: readonly Identifier[] | undefined,
  types: readonly string[],
  systemHint: RegExp,
): string | undefined {
  const usable = (ids ?? []).filter(
    (i): i is Identifier & { value: string } =>
      typeof i?.value === 'string' && i.value.length > 0 && i.use !== 'old',
  );
  const typed = usable.find((i) =>
    (i.type?.coding ?? []).some((c) => c.system === V2_0203 && types.includes(c.code ?? '')),
  );
  return (typed ?? usable.find((i) => systemHint.test(i.system ?? '')) ?? usable[0])?.value;
}

export function quantityText(q: Quantity | undefined): string | undefined {
  if (typeof q?.value !== 'number') return undefined;
  const unit = q.unit ?? q.code;
  return unit ? `${q.value} ${unit}` : String(q.value);
}

/** `2026-11-10T21:30:00-05:00` as written: `2026-11-10 21:30` (the documenting site's local time). */
export function dateTimeText(dateTime: string | undefined): string | undefined {
  if (!dateTime) return undefined;
  const date = calendarDate(dateTime);
  if (!date) return undefined;
  const time = /T(\d{2}:\d{2})/.exec(dateTime)?.[1];
  return time ? `${date} ${time}` : date;
}

// ---------------------------------------------------------------------------------------------
// Administrations and posted charges

function medicationOf(ma: MedicationAdministration, index: ResourceIndex): Medication | undefined {
  const ref = ma.medicationReference?.reference;
  if (typeof ref === 'string' && ref.startsWith('#')) {
    const id = ref.slice(1);
    return (ma.contained ?? []).find((r): r is Medication => r.resourceType === 'Medication' && r.id === id);
  }
  return resolve<Medication>(index, ma.medicationReference, 'Medication');
}

export function drugName(ma: MedicationAdministration, index: ResourceIndex): string {
  const med = medicationOf(ma, index);
  return (
    conceptText(med?.code) ??
    conceptText(ma.medicationCodeableConcept) ??
    ma.medicationReference?.display ??
    'drug not named'
  );
}

function doseText(dosage: MedicationAdministrationDosage | undefined): string | undefined {
  if (!dosage) return undefined;
  const dose = quantityText(dosage.dose);
  const rate =
    quantityText(dosage.rateQuantity) ??
    (dosage.rateRatio?.numerator && dosage.rateRatio.denominator
      ? `${quantityText(dosage.rateRatio.numerator) ?? '?'}/${quantityText(dosage.rateRatio.denominator) ?? '?'}`
      : undefined);
  if (dose && rate) return `${dose} at ${rate}`;
  if (dose) return dose;
  return rate ? `at ${rate}` : undefined;
}

function administrationTime(ma: MedicationAdministration): { time?: string | undefined; start?: string } {
  if (ma.effectiveDateTime) return { time: dateTimeText(ma.effectiveDateTime), start: ma.effectiveDateTime };
  const p = ma.effectivePeriod;
  if (!p?.start) return {};
  const from = dateTimeText(p.start);
  if (!p.end) return { time: `from ${from ?? p.start} (no stop time)`, start: p.start };
  const to = dateTimeText(p.end) ?? p.end;
  const sameDay = calendarDate(p.end) === calendarDate(p.start);
  return { time: `${from ?? p.start} to ${sameDay ? to.slice(11) : to}`, start: p.start };
}

export function summarizeAdministration(ma: MedicationAdministration, index: ResourceIndex): Administration {
  const { time, start } = administrationTime(ma);
  const performer = ma.performer?.[0]?.actor;
  const performerName =
    performer?.display ??
    personName(resolve<Practitioner>(index, performer, 'Practitioner')?.name) ??
    undefined;
  const dose = doseText(ma.dosage);
  const route = conceptText(ma.dosage?.route);
  return {
    id: ma.id ?? '',
    drug: drugName(ma, index),
    ...(dose ? { dose } : {}),
    ...(route ? { route } : {}),
    ...(time ? { time } : {}),
    ...(start ? { start } : {}),
    ...(ma.status ? { status: ma.status } : {}),
    ...(performerName ? { performer: performerName } : {}),
    ...(ma.dosage?.text ? { charted: ma.dosage.text } : {}),
  };
}

export function summarizeCharge(ci: ChargeItem): Charge {
  const hcpcs = codesOf(ci.code, SYSTEMS.hcpcs);
  const code = hcpcs.find((c) => c.length === 5);
  const date = calendarDate(ci.occurrenceDateTime ?? ci.occurrencePeriod?.start);
  return {
    id: ci.id ?? '',
    ...(code ? { code } : {}),
    modifiers: hcpcs.filter((c) => /^[A-Z0-9]{2}$/.test(c)),
    ...(typeof ci.quantity?.value === 'number' ? { units: ci.quantity.value } : {}),
    ...(date ? { date } : {}),
    ...(ci.status ? { status: ci.status } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// vialwise DetectedIssues

export function isVialwiseIssue(issue: DetectedIssue): boolean {
  return gapKeyOf(issue) !== undefined;
}

export function gapCodeOf(issue: DetectedIssue): string {
  return (
    issue.code?.coding?.find((c) => c.system === GAP_CODE_SYSTEM)?.code ??
    issue.code?.coding?.[0]?.code ??
    'unknown'
  );
}

export function gapDisplay(code: string, issue?: DetectedIssue): string {
  if (isGapCode(code)) return GAPS[code].display;
  return issue?.code?.coding?.[0]?.display ?? code;
}

export function gapDefinition(code: string): string {
  return isGapCode(code) ? GAPS[code].definition : 'Review the documentation of this administration.';
}

export function revenueAtRisk(issue: DetectedIssue): number | undefined {
  const v = extension(issue.extension, EXT.revenueAtRisk)?.valueMoney?.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export { mitigationCode };

/** When documentation closed the gap (its `resolved` mitigation). */
export function resolvedAt(issue: DetectedIssue): string | undefined {
  return (issue.mitigation ?? []).find((m) => mitigationCode(m) === RESOLVED)?.date;
}

export function acknowledgementsOf(issue: DetectedIssue): Acknowledgement[] {
  return (issue.mitigation ?? [])
    .filter((m) => mitigationCode(m) === ACKNOWLEDGED)
    .map((m) => {
      const author = m.author?.display ?? m.author?.reference;
      return {
        ...(m.date ? { date: m.date } : {}),
        ...(author ? { author } : {}),
        ...(m.action?.text ? { note: m.action.text } : {}),
      };
    });
}

export function issueEncounter(issue: DetectedIssue, index: ResourceIndex): Encounter | undefined {
  for (const ref of issue.implicated ?? []) {
    const e = resolve<Encounter>(index, ref, 'Encounter');
    if (e) return e;
  }
  return undefined;
}

export function issueEncounterId(issue: DetectedIssue, index: ResourceIndex): string | undefined {
  const enc = issueEncounter(issue, index);
  if (enc?.id) return enc.id;
  for (const ref of issue.implicated ?? []) {
    const id = idOf(ref, 'Encounter');
    if (id) return id;
  }
  // The identifier starts with the Encounter id (`<enc>:<gap>:<key>`).
  return readGap(issue)?.encounterId || undefined;
}

/**
 * The date of service a gap is about: its earliest implicated administration, else the
 * encounter's start, else the day it was identified. One definition for the worklist and the
 * dashboard.
 */
export function issueDateOfService(issue: DetectedIssue, index: ResourceIndex): string | undefined {
  const dates: string[] = [];
  for (const ref of issue.implicated ?? []) {
    const ma = resolve<MedicationAdministration>(index, ref, 'MedicationAdministration');
    const d = ma ? calendarDate(ma.effectiveDateTime ?? ma.effectivePeriod?.start) : undefined;
    if (d) dates.push(d);
  }
  if (dates.length) return dates.sort()[0];
  const enc = issueEncounter(issue, index);
  return calendarDate(enc?.period?.start) ?? calendarDate(issue.identifiedDateTime);
}

/** References of a type a set of issues implicates (`Type/id`, each once). */
export function implicatedIds(issues: readonly DetectedIssue[], type: string): string[] {
  const out = new Set<string>();
  for (const issue of issues)
    for (const ref of issue.implicated ?? []) {
      const id = idOf(ref, type);
      if (id && isSafeId(id)) out.add(id);
    }
  return [...out];
}
