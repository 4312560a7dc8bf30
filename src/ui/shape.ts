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
import { billingSetting, type FacilityResolver } from '../domain/facility.ts';
import { GAPS, isGapCode } from '../domain/gaps.ts';
import { calendarDate, codesOf, extension, localRef, textsOf } from '../domain/fhir-values.ts';
import { localDate } from '../domain/time-zone.ts';
import { EXT, FHIR_ID, GAP_CODE_SYSTEM, SYSTEMS } from '../domain/vocabulary.ts';
import { gapKeyOf, mitigationCode, readGap } from '../fhir/codec/index.ts';
import type { Acknowledgement, Administration, Charge } from './contract.ts';

export type { PriceInfo } from './price-basis.ts';

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

// ---------------------------------------------------------------------------------------------
// Dates in the facility's time zone

/**
 * The facility time zone of an Encounter (its serviceProvider through FACILITIES_FILE, else
 * FACILITY_TIME_ZONE), exactly as the engine finds it (domain/facility.ts `billingSetting`);
 * undefined when none is configured: dates as written.
 */
export type TimeZoneOf = (encounter: Encounter | undefined) => string | undefined;

export function timeZoneResolver(facilities: FacilityResolver | undefined): TimeZoneOf {
  if (!facilities) return () => undefined;
  return (encounter) =>
    encounter ? billingSetting(encounter, facilities).timeZone : facilities(undefined).timeZone;
}

export const DATES_AS_WRITTEN: TimeZoneOf = () => undefined;

const WITH_OFFSET = /T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;
const clockFormats = new Map<string, Intl.DateTimeFormat>();

function clockFormat(timeZone: string): Intl.DateTimeFormat {
  let f = clockFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    clockFormats.set(timeZone, f);
  }
  return f;
}

/**
 * A FHIR dateTime for people: `2026-11-10 21:30` as written, or, when the facility has a time
 * zone and the dateTime names an instant, the facility's date and clock with the zone
 * (`2025-06-09 22:30 EDT` for `2025-06-10T02:30:00Z` in America/New_York): the date agrees with
 * the engine's date of service.
 */
export function dateTimeText(dateTime: string | undefined, timeZone?: string): string | undefined {
  if (!dateTime) return undefined;
  const date = calendarDate(dateTime);
  if (!date) return undefined;
  if (timeZone && WITH_OFFSET.test(dateTime) && Number.isFinite(Date.parse(dateTime))) {
    const parts = clockFormat(timeZone).formatToParts(Date.parse(dateTime));
    const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    return `${localDate(dateTime, timeZone) ?? date} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
  }
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

function administrationTime(
  ma: MedicationAdministration,
  tz: string | undefined,
): { time?: string | undefined; start?: string } {
  if (ma.effectiveDateTime)
    return { time: dateTimeText(ma.effectiveDateTime, tz), start: ma.effectiveDateTime };
  const p = ma.effectivePeriod;
  if (!p?.start) return {};
  const from = dateTimeText(p.start, tz);
  if (!p.end) return { time: `from ${from ?? p.start} (no stop time)`, start: p.start };
  const to = dateTimeText(p.end, tz) ?? p.end;
  const sameDay = localDate(p.end, tz) === localDate(p.start, tz);
  return { time: `${from ?? p.start} to ${sameDay ? to.slice(11) : to}`, start: p.start };
}

/** `tz`: the facility's time zone (the time shown, and the date the engine bills). */
export function summarizeAdministration(
  ma: MedicationAdministration,
  index: ResourceIndex,
  tz?: string,
): Administration {
  const { time, start } = administrationTime(ma, tz);
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

export function summarizeCharge(ci: ChargeItem, tz?: string): Charge {
  const hcpcs = codesOf(ci.code, SYSTEMS.hcpcs);
  const code = hcpcs.find((c) => c.length === 5);
  const date = localDate(ci.occurrenceDateTime ?? ci.occurrencePeriod?.start, tz);
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
 * encounter's start, else the day it was identified; each as a calendar date in the facility's
 * time zone (`tzOf`), as the engine dates the service. One definition for the worklist and the
 * dashboard.
 */
export function issueDateOfService(
  issue: DetectedIssue,
  index: ResourceIndex,
  tzOf: TimeZoneOf = DATES_AS_WRITTEN,
): string | undefined {
  const enc = issueEncounter(issue, index);
  const tz = tzOf(enc);
  const dates: string[] = [];
  for (const ref of issue.implicated ?? []) {
    const ma = resolve<MedicationAdministration>(index, ref, 'MedicationAdministration');
    const d = ma ? localDate(ma.effectiveDateTime ?? ma.effectivePeriod?.start, tz) : undefined;
    if (d) dates.push(d);
  }
  if (dates.length) return dates.sort()[0];
  return localDate(enc?.period?.start, tz) ?? localDate(issue.identifiedDateTime, tz);
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
