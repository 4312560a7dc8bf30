/**
 * What the web UI's pages are built from, shaped from FHIR resources by pure functions: worklist
 * rows and their filters, the clinician's acknowledgement (a DetectedIssue.mitigation), the
 * encounter view, the dashboard figures and their CSV. No I/O, no clock: reads.ts gathers the
 * resources, routes.ts passes the time in.
 */
import type {
  ChargeItem,
  Claim,
  ClaimItem,
  CodeableConcept,
  Condition,
  DetectedIssue,
  DetectedIssueMitigation,
  Encounter,
  HumanName,
  Medication,
  MedicationAdministration,
  MedicationAdministrationDosage,
  Patient,
  Practitioner,
  Quantity,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { GAP_CODE_LIST, GAPS, isGapCode, type Severity } from '../domain/gaps.ts';
import { GAP_CODE_SYSTEM } from '../domain/vocabulary.ts';
import { csvRow } from '../domain/csv.ts';
import type { BillingLine, Evaluation } from '../domain/types.ts';
import { calendarDate, codesOf, extension, localRef, textsOf } from '../domain/fhir-values.ts';
import {
  CLAIM_DRAFT_SID,
  EXT,
  FHIR_ID,
  GAP_SID,
  MITIGATION_CODE_SYSTEM,
  SYSTEMS,
} from '../domain/vocabulary.ts';

// ---------------------------------------------------------------------------------------------
// Shared pieces

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

const SEVERITY_RANK: Readonly<Record<string, number>> = { high: 0, moderate: 1, low: 2 };
export const SEVERITIES: readonly Severity[] = ['high', 'moderate', 'low'];

/** FHIR ids as accepted in the UI's query strings and paths (the same rule as the service's API). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export type ResourceIndex = ReadonlyMap<string, Resource>;

/** Resources by `Type/id`, for resolving references inside one search result. */
export function indexResources(resources: readonly Resource[]): ResourceIndex {
  const index = new Map<string, Resource>();
  for (const r of resources) if (r.id) index.set(`${r.resourceType}/${r.id}`, r);
  return index;
}

/** Each resource once (pages of a search can overlap when the server's data moves between them). */
function unique(index: ResourceIndex): Resource[] {
  return [...index.values()];
}

function resolve<T extends Resource>(
  index: ResourceIndex,
  ref: Reference | string | undefined,
  type: T['resourceType'],
): T | undefined {
  const local = localRef(ref);
  const r = local ? index.get(local) : undefined;
  return r?.resourceType === type ? (r as T) : undefined;
}

function idOf(ref: Reference | string | undefined, type: string): string | undefined {
  const local = localRef(ref);
  return local?.startsWith(`${type}/`) ? local.slice(type.length + 1) : undefined;
}

function round2(n: number): number {
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

function revenueAtRisk(issue: DetectedIssue): number | undefined {
  const v = extension(issue.extension, EXT.revenueAtRisk)?.valueMoney?.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function gapCodeOf(issue: DetectedIssue): string {
  return (
    issue.code?.coding?.find((c) => c.system === GAP_CODE_SYSTEM)?.code ??
    issue.code?.coding?.[0]?.code ??
    'unknown'
  );
}

function gapDisplay(code: string, issue?: DetectedIssue): string {
  if (isGapCode(code)) return GAPS[code].display;
  return issue?.code?.coding?.[0]?.display ?? code;
}

function isVialwiseIssue(issue: DetectedIssue): boolean {
  return (issue.identifier ?? []).some((i) => i.system === GAP_SID);
}

function mitigationCode(m: DetectedIssueMitigation): string | undefined {
  return m.action?.coding?.find((c) => c.system === MITIGATION_CODE_SYSTEM)?.code;
}

// ---------------------------------------------------------------------------------------------
// Administrations

export interface AdministrationSummary {
  readonly id: string;
  readonly drug: string;
  /** Amount or rate as documented; undefined when neither is charted. */
  readonly dose?: string;
  readonly route?: string;
  /** As written, for people (`2026-11-10 21:30`, or a start-end span). */
  readonly time?: string;
  /** The machine-readable start, for `<time datetime>`. */
  readonly start?: string;
  readonly status?: string;
  readonly performer?: string;
  /** The nurse's free-text dosage note. */
  readonly charted?: string;
}

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

function administrationTime(ma: MedicationAdministration): { time?: string; start?: string } {
  if (ma.effectiveDateTime) return { time: dateTimeText(ma.effectiveDateTime), start: ma.effectiveDateTime };
  const p = ma.effectivePeriod;
  if (!p?.start) return {};
  const from = dateTimeText(p.start);
  if (!p.end) return { time: `from ${from ?? p.start} (no stop time)`, start: p.start };
  const to = dateTimeText(p.end) ?? p.end;
  const sameDay = calendarDate(p.end) === calendarDate(p.start);
  return { time: `${from ?? p.start} to ${sameDay ? to.slice(11) : to}`, start: p.start };
}

export function summarizeAdministration(
  ma: MedicationAdministration,
  index: ResourceIndex,
): AdministrationSummary {
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

// ---------------------------------------------------------------------------------------------
// Worklist

export interface ChargeSummary {
  readonly id: string;
  readonly code?: string;
  readonly modifiers: readonly string[];
  readonly units?: number;
  readonly date?: string;
  readonly status?: string;
}

export interface Acknowledgement {
  readonly date?: string;
  readonly author?: string;
  readonly note?: string;
}

export interface WorklistRow {
  readonly id: string;
  /** `meta.versionId` the page saw; the acknowledgement is written with `If-Match` on it. */
  readonly version?: string;
  readonly code: string;
  readonly display: string;
  readonly severity: string;
  /** One plain sentence: what to document. */
  readonly detail: string;
  readonly identified?: string;
  readonly dateOfService?: string;
  readonly revenueAtRisk?: number;
  readonly administrations: readonly AdministrationSummary[];
  readonly charges: readonly ChargeSummary[];
  readonly encounter?: { readonly id: string; readonly class?: string; readonly start?: string };
  readonly patient?: { readonly id: string; readonly name: string };
  readonly claimId?: string;
  readonly acknowledgements: readonly Acknowledgement[];
}

export function summarizeCharge(ci: ChargeItem): ChargeSummary {
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

/** The date of service a gap is about: its earliest administration, else the encounter's start. */
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

function issueEncounter(issue: DetectedIssue, index: ResourceIndex): Encounter | undefined {
  for (const ref of issue.implicated ?? []) {
    const e = resolve<Encounter>(index, ref, 'Encounter');
    if (e) return e;
  }
  return undefined;
}

function issueEncounterId(issue: DetectedIssue, index: ResourceIndex): string | undefined {
  const enc = issueEncounter(issue, index);
  if (enc?.id) return enc.id;
  for (const ref of issue.implicated ?? []) {
    const id = idOf(ref, 'Encounter');
    if (id) return id;
  }
  // The identifier starts with the Encounter id (`<enc>:<gap>:<key>`).
  const value = issue.identifier?.find((i) => i.system === GAP_SID)?.value;
  return value?.split(':')[0] || undefined;
}

/** One worklist row per DetectedIssue in the search result (matches and `_include`d resources). */
export function worklistRows(resources: readonly Resource[]): WorklistRow[] {
  const index = indexResources(resources);
  const rows: WorklistRow[] = [];
  for (const r of unique(index)) {
    if (r.resourceType !== 'DetectedIssue' || !r.id) continue;
    const issue = r;
    const code = gapCodeOf(issue);
    const administrations: AdministrationSummary[] = [];
    const charges: ChargeSummary[] = [];
    let claimId: string | undefined;
    for (const ref of issue.implicated ?? []) {
      const ma = resolve<MedicationAdministration>(index, ref, 'MedicationAdministration');
      if (ma) administrations.push(summarizeAdministration(ma, index));
      const ci = resolve<ChargeItem>(index, ref, 'ChargeItem');
      if (ci) charges.push(summarizeCharge(ci));
      claimId ??= idOf(ref, 'Claim');
    }
    const enc = issueEncounter(issue, index);
    const encounterId = issueEncounterId(issue, index);
    const patientId = idOf(issue.patient, 'Patient') ?? idOf(enc?.subject, 'Patient');
    const patient = patientId ? resolve<Patient>(index, `Patient/${patientId}`, 'Patient') : undefined;
    const at = revenueAtRisk(issue);
    const dos = issueDateOfService(issue, index);
    const encClass = enc?.class?.code;
    rows.push({
      id: issue.id ?? '',
      ...(issue.meta?.versionId ? { version: issue.meta.versionId } : {}),
      code,
      display: gapDisplay(code, issue),
      severity: issue.severity ?? (isGapCode(code) ? GAPS[code].severity : 'moderate'),
      detail: issue.detail ?? gapDefinition(code),
      ...(issue.identifiedDateTime ? { identified: issue.identifiedDateTime } : {}),
      ...(dos ? { dateOfService: dos } : {}),
      ...(at !== undefined ? { revenueAtRisk: at } : {}),
      administrations,
      charges,
      ...(encounterId
        ? {
            encounter: {
              id: encounterId,
              ...(encClass ? { class: encClass } : {}),
              ...(enc?.period?.start ? { start: enc.period.start } : {}),
            },
          }
        : {}),
      ...(patientId
        ? { patient: { id: patientId, name: personName(patient?.name) ?? `Patient/${patientId}` } }
        : {}),
      ...(claimId ? { claimId } : {}),
      acknowledgements: acknowledgementsOf(issue),
    });
  }
  return rows.sort(
    (a, b) =>
      (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) ||
      (b.revenueAtRisk ?? 0) - (a.revenueAtRisk ?? 0) ||
      (a.dateOfService ?? '').localeCompare(b.dateOfService ?? '') ||
      a.id.localeCompare(b.id),
  );
}

function gapDefinition(code: string): string {
  return isGapCode(code) ? GAPS[code].definition : 'Review the documentation of this administration.';
}

export interface WorklistFilter {
  readonly severity?: Severity;
  readonly code?: string;
  /** Date of service, inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly encounter?: string;
  /** Patient id (never a name: filters travel in URLs). */
  readonly patient?: string;
  /** `yes`: only acknowledged gaps, `no`: only gaps nobody acknowledged yet. */
  readonly acknowledged?: 'yes' | 'no';
}

export class FilterError extends Error {
  readonly code = 'invalid-filter';
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(message);
    this.parameter = parameter;
  }
}

type Query = Readonly<Record<string, unknown>>;

function single(query: Query, name: string): string | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new FilterError(name, `${name} must be given once`);
  return v.trim() || undefined;
}

export function isIsoDate(s: string): boolean {
  return ISO_DATE.test(s) && calendarDate(s) === s;
}

export function parseDateRange(query: Query): DateRange {
  const from = single(query, 'from');
  const to = single(query, 'to');
  if (from && !isIsoDate(from)) throw new FilterError('from', 'from must be a date (YYYY-MM-DD)');
  if (to && !isIsoDate(to)) throw new FilterError('to', 'to must be a date (YYYY-MM-DD)');
  if (from && to && from > to) throw new FilterError('from', 'from must not be after to');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** Validates the worklist's query string; throws FilterError naming the bad parameter. */
export function parseWorklistFilter(query: Query): WorklistFilter {
  const severity = single(query, 'severity');
  if (severity && !SEVERITIES.includes(severity as Severity))
    throw new FilterError('severity', 'severity must be high, moderate or low');
  const code = single(query, 'code');
  if (code && !isGapCode(code)) throw new FilterError('code', 'code is not a documentation-gap code');
  const encounter = single(query, 'encounter');
  if (encounter && !FHIR_ID.test(encounter))
    throw new FilterError('encounter', 'encounter must be an Encounter id');
  const patient = single(query, 'patient');
  if (patient && !FHIR_ID.test(patient)) throw new FilterError('patient', 'patient must be a Patient id');
  const acknowledged = single(query, 'acknowledged');
  if (acknowledged && acknowledged !== 'yes' && acknowledged !== 'no')
    throw new FilterError('acknowledged', 'acknowledged must be yes or no');
  return {
    ...(severity ? { severity: severity as Severity } : {}),
    ...(code ? { code } : {}),
    ...parseDateRange(query),
    ...(encounter ? { encounter } : {}),
    ...(patient ? { patient } : {}),
    ...(acknowledged ? { acknowledged: acknowledged as 'yes' | 'no' } : {}),
  };
}

export function inRange(date: string | undefined, range: DateRange): boolean {
  if (!range.from && !range.to) return true;
  if (!date) return false;
  return (!range.from || date >= range.from) && (!range.to || date <= range.to);
}

export function filterWorklist(rows: readonly WorklistRow[], f: WorklistFilter): WorklistRow[] {
  return rows.filter(
    (r) =>
      (!f.severity || r.severity === f.severity) &&
      (!f.code || r.code === f.code) &&
      inRange(r.dateOfService, f) &&
      (!f.encounter || r.encounter?.id === f.encounter) &&
      (!f.patient || r.patient?.id === f.patient) &&
      (!f.acknowledged || (f.acknowledged === 'yes') === r.acknowledgements.length > 0),
  );
}

export interface WorklistOptions {
  readonly severities: readonly string[];
  readonly codes: readonly { readonly code: string; readonly display: string; readonly count: number }[];
  readonly encounters: readonly string[];
  /** Patients with open gaps, for the filter's drop-down (the value sent is the id). */
  readonly patients: readonly { readonly id: string; readonly name: string }[];
}

/** The filter choices, from the unfiltered rows so that a filter never hides its own options. */
export function worklistOptions(rows: readonly WorklistRow[]): WorklistOptions {
  const codes = new Map<string, number>();
  const patients = new Map<string, string>();
  const encounters = new Set<string>();
  for (const r of rows) {
    codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    if (r.patient) patients.set(r.patient.id, r.patient.name);
    if (r.encounter) encounters.add(r.encounter.id);
  }
  const order = (c: string) => {
    const i = GAP_CODE_LIST.indexOf(c as (typeof GAP_CODE_LIST)[number]);
    return i < 0 ? GAP_CODE_LIST.length : i;
  };
  return {
    severities: [...SEVERITIES],
    codes: [...codes]
      .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
      .map(([code, count]) => ({ code, display: gapDisplay(code), count })),
    encounters: [...encounters].sort(),
    patients: [...patients]
      .map(([id, name]) => ({ id, name }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
  };
}

export interface Worklist {
  readonly rows: readonly WorklistRow[];
  /** Open gaps before filtering. */
  readonly total: number;
  readonly atRisk: number;
  readonly options: WorklistOptions;
  readonly filter: WorklistFilter;
  readonly pricesIllustrative: boolean;
  readonly priceNote?: string;
  /** True when the FHIR server had more open gaps than the UI reads at once. */
  readonly truncated: boolean;
}

export function buildWorklist(
  resources: readonly Resource[],
  filter: WorklistFilter,
  prices: PriceInfo,
  truncated = false,
): Worklist {
  const all = worklistRows(resources).filter((r) => r.code !== 'unknown');
  const rows = filterWorklist(all, filter);
  return {
    rows,
    total: all.length,
    atRisk: round2(rows.reduce((s, r) => s + (r.revenueAtRisk ?? 0), 0)),
    options: worklistOptions(all),
    filter,
    pricesIllustrative: prices.anyIllustrative,
    ...(prices.anyIllustrative ? { priceNote: ILLUSTRATIVE_NOTE } : {}),
    truncated,
  };
}

// ---------------------------------------------------------------------------------------------
// Acknowledgement

export interface AcknowledgeRequest {
  /** The `meta.versionId` the clinician saw. */
  readonly version: string;
  readonly author: { readonly reference?: string; readonly display?: string };
  readonly note: string;
}

export class AcknowledgeError extends Error {
  readonly code = 'invalid-acknowledgement';
}

const PRACTITIONER_REF = /^Practitioner\/[A-Za-z0-9\-.]{1,64}$/;
const MAX_NOTE = 2000;
const MAX_NAME = 200;

/** Validates the acknowledge form's JSON body. */
export function parseAcknowledgeRequest(body: unknown): AcknowledgeRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new AcknowledgeError('Body must be a JSON object');
  const b = body as Record<string, unknown>;
  const version = typeof b['version'] === 'string' ? b['version'].trim() : '';
  if (!version || version.length > 128 || /["\s]/.test(version))
    throw new AcknowledgeError('version must be the versionId of the gap as loaded');
  const note = typeof b['note'] === 'string' ? b['note'].trim() : '';
  if (!note) throw new AcknowledgeError('Write a note saying what you did or will do about the gap');
  if (note.length > MAX_NOTE) throw new AcknowledgeError(`The note is longer than ${MAX_NOTE} characters`);
  const a = b['author'];
  const author = a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
  const reference = typeof author['reference'] === 'string' ? author['reference'].trim() : '';
  const display = typeof author['display'] === 'string' ? author['display'].trim() : '';
  if (reference && !PRACTITIONER_REF.test(reference)) {
    throw new AcknowledgeError(
      'The clinician must be a Practitioner reference (Practitioner/<id>) or a name',
    );
  }
  if (!reference && !display)
    throw new AcknowledgeError('Say who acknowledges the gap (name or Practitioner/<id>)');
  if (display.length > MAX_NAME)
    throw new AcknowledgeError(`The clinician's name is longer than ${MAX_NAME} characters`);
  return { version, author: { ...(reference ? { reference } : {}), ...(display ? { display } : {}) }, note };
}

/**
 * The DetectedIssue with the clinician's acknowledgement appended as a mitigation. R4 allows only
 * a Practitioner as `mitigation.author`: a name alone goes in as a display-only reference.
 */
export function acknowledgeIssue(issue: DetectedIssue, req: AcknowledgeRequest, now: string): DetectedIssue {
  const mitigation: DetectedIssueMitigation = {
    action: {
      coding: [
        { system: MITIGATION_CODE_SYSTEM, code: ACKNOWLEDGED, display: 'Acknowledged by a clinician' },
      ],
      text: req.note,
    },
    date: now,
    author: { ...req.author },
  };
  return { ...issue, mitigation: [...(issue.mitigation ?? []), mitigation] };
}

export interface PractitionerOption {
  readonly reference: string;
  readonly display: string;
}

export function practitionerOptions(resources: readonly Resource[]): PractitionerOption[] {
  return resources
    .filter((r): r is Practitioner => r.resourceType === 'Practitioner' && !!r.id && r.active !== false)
    .map((p) => ({
      reference: `Practitioner/${p.id ?? ''}`,
      display: personName(p.name) ?? `Practitioner/${p.id ?? ''}`,
    }))
    .sort((a, b) => a.display.localeCompare(b.display));
}

// ---------------------------------------------------------------------------------------------
// Encounter view

export interface LineView {
  readonly code: string;
  readonly modifiers: readonly string[];
  readonly units: number;
  readonly dateOfService?: string;
  readonly ndc?: string;
  readonly ndcQuantity?: string;
  readonly unitPrice?: number;
  readonly net?: number;
  readonly illustrative: boolean;
}

export interface GapView {
  readonly id?: string;
  readonly code: string;
  readonly display: string;
  readonly severity: string;
  /** `open`, `closed`, `entered-in-error`, or `not-written` (found now, not yet on the server). */
  readonly state: 'open' | 'closed' | 'entered-in-error' | 'not-written';
  readonly detail: string;
  readonly revenueAtRisk?: number;
  readonly identified?: string;
  readonly closed?: string;
  readonly acknowledgements: readonly Acknowledgement[];
}

export interface EncounterView {
  readonly encounter: {
    readonly id: string;
    readonly status?: string;
    readonly class?: string;
    readonly start?: string;
    readonly end?: string;
  };
  readonly patient?: { readonly id: string; readonly name: string };
  readonly payerCategory?: string;
  readonly diagnoses: readonly { readonly code: string; readonly display?: string }[];
  readonly administrations: readonly AdministrationSummary[];
  /** What the documentation gives now (evaluated without writing). */
  readonly derivedLines: readonly LineView[];
  readonly claim?: {
    readonly id: string;
    readonly status: string;
    readonly created?: string;
    readonly total?: number;
    readonly lines: readonly LineView[];
  };
  readonly charges: readonly ChargeSummary[];
  readonly gaps: readonly GapView[];
  /** False when the Claim or the open gaps on the server differ from what the documentation gives now. */
  readonly inSync: boolean;
  readonly pricesIllustrative: boolean;
  readonly priceNote?: string;
}

export function lineFromBilling(l: BillingLine): LineView {
  return {
    code: l.code,
    modifiers: [...l.modifiers],
    units: l.units,
    dateOfService: l.dateOfService,
    ...(l.ndc ? { ndc: l.ndc.ndc, ndcQuantity: `${l.ndc.quantity} ${l.ndc.unit}` } : {}),
    ...(l.unitPrice ? { unitPrice: l.unitPrice.value } : {}),
    ...(l.net ? { net: l.net.value } : {}),
    illustrative: !!l.priceIllustrative,
  };
}

export function lineFromClaimItem(item: ClaimItem, prices: PriceInfo): LineView {
  const codes = codesOf(item.productOrService, SYSTEMS.hcpcs);
  const code = codes[0] ?? conceptText(item.productOrService) ?? '?';
  const modifiers = (item.modifier ?? []).flatMap((m) => codesOf(m, SYSTEMS.hcpcs));
  const detail = item.detail?.[0];
  const ndc = detail ? codesOf(detail.productOrService, SYSTEMS.ndc)[0] : undefined;
  const date = item.servicedDate ?? calendarDate(item.servicedPeriod?.start);
  const net = item.net?.value;
  return {
    code,
    modifiers,
    units: item.quantity?.value ?? 0,
    ...(date ? { dateOfService: date } : {}),
    ...(ndc ? { ndc } : {}),
    ...(ndc && detail?.quantity?.value !== undefined
      ? { ndcQuantity: `${detail.quantity.value} ${detail.quantity.unit ?? ''}`.trim() }
      : {}),
    ...(typeof item.unitPrice?.value === 'number' ? { unitPrice: item.unitPrice.value } : {}),
    ...(typeof net === 'number' ? { net } : {}),
    illustrative: typeof net === 'number' && !!date && prices.illustrative(code, date),
  };
}

function lineKey(l: LineView): string {
  return [l.code, [...l.modifiers].sort().join('+'), l.units, l.dateOfService ?? '', l.ndc ?? ''].join('|');
}

export interface EncounterViewInput {
  readonly encounter: Encounter;
  readonly patient?: Patient;
  readonly administrations: readonly MedicationAdministration[];
  readonly medications: readonly Medication[];
  readonly conditions: readonly Condition[];
  readonly chargeItems: readonly ChargeItem[];
  readonly claims: readonly Claim[];
  readonly issues: readonly DetectedIssue[];
  readonly practitioners?: readonly Practitioner[];
  /** The evaluation of the documentation as it is now (the service's dry run). */
  readonly evaluation?: Evaluation;
}

export function encounterView(input: EncounterViewInput, prices: PriceInfo): EncounterView {
  const { encounter, evaluation } = input;
  const index = indexResources([...input.medications, ...(input.practitioners ?? [])]);
  const derivedLines = (evaluation?.lines ?? []).map(lineFromBilling);
  const claim = [...input.claims].sort(
    (a, b) => Number(b.status === 'draft') - Number(a.status === 'draft'),
  )[0];
  const claimLines = (claim?.item ?? []).map((i) => lineFromClaimItem(i, prices));
  const gaps: GapView[] = input.issues.filter(isVialwiseIssue).map((issue): GapView => {
    const code = gapCodeOf(issue);
    const state =
      issue.status === 'preliminary'
        ? 'open'
        : issue.status === 'entered-in-error'
          ? 'entered-in-error'
          : 'closed';
    const closed = (issue.mitigation ?? []).find((m) => mitigationCode(m) === RESOLVED)?.date;
    const at = revenueAtRisk(issue);
    return {
      ...(issue.id ? { id: issue.id } : {}),
      code,
      display: gapDisplay(code, issue),
      severity: issue.severity ?? 'moderate',
      state,
      detail: issue.detail ?? gapDefinition(code),
      ...(at !== undefined ? { revenueAtRisk: at } : {}),
      ...(issue.identifiedDateTime ? { identified: issue.identifiedDateTime } : {}),
      ...(closed ? { closed } : {}),
      acknowledgements: acknowledgementsOf(issue),
    };
  });
  // Gaps the documentation raises now that the server does not have open yet.
  const openKeys = new Set(
    input.issues
      .filter((i) => i.status === 'preliminary')
      .map((i) => i.identifier?.find((x) => x.system === GAP_SID)?.value),
  );
  const foundNow = (evaluation?.gaps ?? []).map((g) => `${encounter.id ?? ''}:${g.code}:${g.subjectKey}`);
  for (const g of evaluation?.gaps ?? []) {
    if (openKeys.has(`${encounter.id ?? ''}:${g.code}:${g.subjectKey}`)) continue;
    gaps.push({
      code: g.code,
      display: gapDisplay(g.code),
      severity: g.severity,
      state: 'not-written',
      detail: g.detail,
      ...(g.revenueAtRisk ? { revenueAtRisk: g.revenueAtRisk.value } : {}),
      acknowledgements: [],
    });
  }
  const stateOrder = { open: 0, 'not-written': 1, closed: 2, 'entered-in-error': 3 } as const;
  gaps.sort(
    (a, b) =>
      stateOrder[a.state] - stateOrder[b.state] ||
      (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3),
  );
  const linesInSync =
    claim?.status !== 'draft' ||
    derivedLines.map(lineKey).sort().join('\n') === claimLines.map(lineKey).sort().join('\n');
  const gapsInSync =
    !evaluation || (foundNow.every((k) => openKeys.has(k)) && openKeys.size === foundNow.length);
  const conditionIndex = new Map(
    input.conditions.flatMap((c) =>
      codesOf(c.code, SYSTEMS.icd10cm).map((code) => [code, conceptText(c.code)] as const),
    ),
  );
  const diagnoses = (evaluation?.diagnoses ?? [...conditionIndex.keys()]).map((code) => {
    const display = conditionIndex.get(code);
    return { code, ...(display && display !== code ? { display } : {}) };
  });
  const illustrative =
    derivedLines.some((l) => l.illustrative) ||
    claimLines.some((l) => l.illustrative) ||
    (prices.anyIllustrative && gaps.some((g) => g.revenueAtRisk !== undefined));
  const patientId = idOf(encounter.subject, 'Patient');
  const patientName = personName(input.patient?.name);
  return {
    encounter: {
      id: encounter.id ?? '',
      ...(encounter.status ? { status: encounter.status } : {}),
      ...(encounter.class?.code ? { class: encounter.class.code } : {}),
      ...(encounter.period?.start ? { start: encounter.period.start } : {}),
      ...(encounter.period?.end ? { end: encounter.period.end } : {}),
    },
    ...(patientId ? { patient: { id: patientId, name: patientName ?? `Patient/${patientId}` } } : {}),
    ...(evaluation?.payerCategory ? { payerCategory: evaluation.payerCategory } : {}),
    diagnoses,
    administrations: [...input.administrations]
      .map((ma) => summarizeAdministration(ma, index))
      .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? '') || a.id.localeCompare(b.id)),
    derivedLines,
    ...(claim?.id
      ? {
          claim: {
            id: claim.id,
            status: claim.status,
            ...(claim.created ? { created: claim.created } : {}),
            ...(typeof claim.total?.value === 'number' ? { total: claim.total.value } : {}),
            lines: claimLines,
          },
        }
      : {}),
    charges: input.chargeItems
      .map(summarizeCharge)
      .sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.id.localeCompare(b.id)),
    gaps,
    inSync: linesInSync && gapsInSync,
    pricesIllustrative: illustrative,
    ...(illustrative ? { priceNote: ILLUSTRATIVE_NOTE } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Dashboard

export interface DateRange {
  readonly from?: string;
  readonly to?: string;
}

export interface CodeFigures {
  readonly code: string;
  readonly lines: number;
  readonly units: number;
  readonly jwUnits: number;
  readonly value: number;
}

export interface GapCodeFigures {
  readonly code: string;
  readonly display: string;
  readonly severity: string;
  readonly open: number;
  /** How many of the open gaps carry a revenue-at-risk estimate. */
  readonly estimated: number;
  readonly atRisk: number;
}

export interface SeriesPoint {
  /** First day of the bucket (YYYY-MM-DD). */
  readonly date: string;
  readonly opened: number;
  readonly closed: number;
}

export interface Dashboard {
  readonly range: DateRange;
  readonly claimsDrafted: number;
  readonly claimsByStatus: Readonly<Record<string, number>>;
  readonly lines: number;
  readonly units: number;
  /** Sum of `net` over the priced lines. */
  readonly billedValue: number;
  readonly unpricedLines: number;
  readonly jwLines: number;
  readonly jwUnits: number;
  readonly jwValue: number;
  readonly jzLines: number;
  readonly openGaps: number;
  readonly atRisk: number;
  readonly atRiskByCode: readonly GapCodeFigures[];
  readonly gapsOpened: number;
  readonly gapsClosed: number;
  /** Estimated revenue of the gaps closed in the range (their revenue-at-risk when closed). */
  readonly recovered: number;
  readonly series: { readonly bucket: 'day' | 'week'; readonly points: readonly SeriesPoint[] };
  readonly topCodes: readonly CodeFigures[];
  readonly pricesIllustrative: boolean;
  readonly priceNote?: string;
  readonly truncated: boolean;
}

const DAY_MS = 86_400_000;
const MAX_DAILY_POINTS = 92;
const MAX_POINTS = 400;
const TOP_CODES = 10;

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** Monday of the ISO week holding the date. */
function weekStart(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

/** Gaps opened and closed per day (per week for spans longer than three months). */
export function gapSeries(
  events: readonly { opened?: string; closed?: string }[],
  range: DateRange,
): Dashboard['series'] {
  const dates = events
    .flatMap((e) => [e.opened, e.closed])
    .filter((d): d is string => !!d && inRange(d, range))
    .sort();
  const first = range.from ?? dates[0];
  const last = range.to ?? dates.at(-1);
  if (!first || !last) return { bucket: 'day', points: [] };
  const bucket = daysBetween(first, last) + 1 > MAX_DAILY_POINTS ? 'week' : 'day';
  const keyOf = (d: string) => (bucket === 'week' ? weekStart(d) : d);
  const points = new Map<string, { opened: number; closed: number }>();
  const step = bucket === 'week' ? 7 : 1;
  // A range far wider than the data is clipped to the data so the chart stays readable.
  const start = keyOf(
    range.from && dates[0] && daysBetween(range.from, dates[0]) > MAX_POINTS * step ? dates[0] : first,
  );
  const stop =
    range.to && dates.at(-1) && daysBetween(dates.at(-1) as string, range.to) > MAX_POINTS * step
      ? (dates.at(-1) as string)
      : last;
  for (let d = start, n = 0; d <= stop && n < MAX_POINTS; d = addDays(d, step), n++)
    points.set(d, { opened: 0, closed: 0 });
  for (const e of events) {
    if (e.opened && inRange(e.opened, range)) {
      const p = points.get(keyOf(e.opened));
      if (p) p.opened++;
    }
    if (e.closed && inRange(e.closed, range)) {
      const p = points.get(keyOf(e.closed));
      if (p) p.closed++;
    }
  }
  return { bucket, points: [...points].map(([date, p]) => ({ date, ...p })) };
}

function isVialwiseClaim(c: Claim): boolean {
  return (c.identifier ?? []).some((i) => i.system === CLAIM_DRAFT_SID);
}

/**
 * The dashboard for a date range. Lines and revenue at risk count by date of service; the
 * opened/closed series and the recovered figure by the day a gap was identified or resolved (UTC).
 * `resources` holds the vialwise Claims and DetectedIssues with the issues' implicated resources.
 */
export function buildDashboard(
  resources: readonly Resource[],
  range: DateRange,
  prices: PriceInfo,
  truncated = false,
): Dashboard {
  const index = indexResources(resources);
  const all = unique(index);
  const claims = all.filter((r): r is Claim => r.resourceType === 'Claim' && isVialwiseClaim(r));
  const issues = all.filter(
    (r): r is DetectedIssue => r.resourceType === 'DetectedIssue' && isVialwiseIssue(r),
  );

  let lines = 0;
  let units = 0;
  let billedValue = 0;
  let unpricedLines = 0;
  let jwLines = 0;
  let jwUnits = 0;
  let jwValue = 0;
  let jzLines = 0;
  let illustrative = false;
  let claimsDrafted = 0;
  const claimsByStatus: Record<string, number> = {};
  const byCode = new Map<string, { lines: number; units: number; jwUnits: number; value: number }>();
  for (const claim of claims) {
    if (claim.status === 'entered-in-error' || claim.status === 'cancelled') continue;
    const items = (claim.item ?? [])
      .map((i) => lineFromClaimItem(i, prices))
      .filter((l) => inRange(l.dateOfService, range));
    if (!items.length) continue;
    claimsDrafted++;
    claimsByStatus[claim.status] = (claimsByStatus[claim.status] ?? 0) + 1;
    for (const l of items) {
      lines++;
      units += l.units;
      if (l.net === undefined) unpricedLines++;
      else billedValue += l.net;
      if (l.illustrative) illustrative = true;
      const jw = l.modifiers.includes('JW');
      if (jw) {
        jwLines++;
        jwUnits += l.units;
        jwValue += l.net ?? 0;
      }
      if (l.modifiers.includes('JZ')) jzLines++;
      const c = byCode.get(l.code) ?? { lines: 0, units: 0, jwUnits: 0, value: 0 };
      c.lines++;
      c.units += l.units;
      if (jw) c.jwUnits += l.units;
      c.value += l.net ?? 0;
      byCode.set(l.code, c);
    }
  }

  const gapCodes = new Map<string, { open: number; estimated: number; atRisk: number; severity: string }>();
  const events: { opened?: string; closed?: string }[] = [];
  let openGaps = 0;
  let atRisk = 0;
  let gapsOpened = 0;
  let gapsClosed = 0;
  let recovered = 0;
  for (const issue of issues) {
    // Voided documentation: neither opened nor closed work.
    if (issue.status === 'entered-in-error') continue;
    const code = gapCodeOf(issue);
    const estimate = revenueAtRisk(issue);
    const value = estimate ?? 0;
    const opened = calendarDate(issue.identifiedDateTime);
    const closedAt =
      issue.status === 'final'
        ? (issue.mitigation ?? []).find((m) => mitigationCode(m) === RESOLVED)?.date
        : undefined;
    const closed = calendarDate(closedAt);
    events.push({ ...(opened ? { opened } : {}), ...(closed ? { closed } : {}) });
    if (opened && inRange(opened, range)) gapsOpened++;
    if (closed && inRange(closed, range)) {
      gapsClosed++;
      recovered += value;
    }
    if (issue.status === 'preliminary' && inRange(issueDateOfService(issue, index), range)) {
      openGaps++;
      atRisk += value;
      const g = gapCodes.get(code) ?? {
        open: 0,
        estimated: 0,
        atRisk: 0,
        severity: issue.severity ?? 'moderate',
      };
      g.open++;
      if (estimate !== undefined) g.estimated++;
      g.atRisk += value;
      gapCodes.set(code, g);
    }
  }
  if (prices.anyIllustrative && (atRisk > 0 || recovered > 0)) illustrative = true;

  return {
    range,
    claimsDrafted,
    claimsByStatus,
    lines,
    units,
    billedValue: round2(billedValue),
    unpricedLines,
    jwLines,
    jwUnits,
    jwValue: round2(jwValue),
    jzLines,
    openGaps,
    atRisk: round2(atRisk),
    atRiskByCode: [...gapCodes]
      .map(([code, g]) => ({
        code,
        display: gapDisplay(code),
        severity: g.severity,
        open: g.open,
        estimated: g.estimated,
        atRisk: round2(g.atRisk),
      }))
      .sort((a, b) => b.atRisk - a.atRisk || b.open - a.open || a.code.localeCompare(b.code)),
    gapsOpened,
    gapsClosed,
    recovered: round2(recovered),
    series: gapSeries(events, range),
    topCodes: [...byCode]
      .map(([code, c]) => ({
        code,
        lines: c.lines,
        units: c.units,
        jwUnits: c.jwUnits,
        value: round2(c.value),
      }))
      .sort((a, b) => b.value - a.value || b.units - a.units || a.code.localeCompare(b.code))
      .slice(0, TOP_CODES),
    pricesIllustrative: illustrative,
    ...(illustrative ? { priceNote: ILLUSTRATIVE_NOTE } : {}),
    truncated,
  };
}

// ---------------------------------------------------------------------------------------------
// CSV

const money = (n: number) => Number(n.toFixed(2));

/**
 * The dashboard's figures as one CSV table (aggregates only: no patient data). Every money
 * figure says in the `prices` column whether it rests on illustrative prices.
 */
export function dashboardCsv(d: Dashboard): string {
  const p = d.pricesIllustrative ? 'ILLUSTRATIVE' : '';
  const rows: (string | number | undefined)[][] = [
    ['section', 'metric', 'code', 'date', 'count', 'units', 'amount_usd', 'prices'],
    ['range', 'from', '', d.range.from ?? 'all', undefined, undefined, undefined, ''],
    ['range', 'to', '', d.range.to ?? 'all', undefined, undefined, undefined, ''],
    ...(d.pricesIllustrative
      ? [['note', 'prices', '', '', undefined, undefined, undefined, d.priceNote ?? ILLUSTRATIVE_NOTE]]
      : []),
    ['summary', 'claims_drafted', '', '', d.claimsDrafted, undefined, undefined, ''],
    ['summary', 'lines', '', '', d.lines, d.units, money(d.billedValue), p],
    ['summary', 'unpriced_lines', '', '', d.unpricedLines, undefined, undefined, ''],
    ['summary', 'jw_captured', '', '', d.jwLines, d.jwUnits, money(d.jwValue), p],
    ['summary', 'jz_lines', '', '', d.jzLines, undefined, undefined, ''],
    ['summary', 'revenue_at_risk', '', '', d.openGaps, undefined, money(d.atRisk), p],
    ['summary', 'gaps_opened', '', '', d.gapsOpened, undefined, undefined, ''],
    ['summary', 'gaps_closed', '', '', d.gapsClosed, undefined, money(d.recovered), p],
    ...d.atRiskByCode.map((g) =>
      g.estimated
        ? ['at_risk_by_gap_code', g.display, g.code, '', g.open, undefined, money(g.atRisk), p]
        : ['at_risk_by_gap_code', g.display, g.code, '', g.open, undefined, undefined, 'not estimated'],
    ),
    ...d.topCodes.map((c) => ['top_codes', 'lines', c.code, '', c.lines, c.units, money(c.value), p]),
    ...d.series.points.flatMap((pt) => [
      ['gaps_over_time', `opened_per_${d.series.bucket}`, '', pt.date, pt.opened, undefined, undefined, ''],
      ['gaps_over_time', `closed_per_${d.series.bucket}`, '', pt.date, pt.closed, undefined, undefined, ''],
    ]),
  ];
  return rows.map(csvRow).join('\r\n') + '\r\n';
}
