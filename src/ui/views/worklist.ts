/**
 * The worklist: one row per open vialwise gap, with the patient, MRN and account, payer, date of
 * service and aging, what to document, revenue at risk and owner; routed to the queue of its
 * gap code; filtered, sorted by any column and cut into pages. Pure: reads/gaps.ts gathers the
 * resources, the route passes the day aging counts to.
 */
import type {
  ChargeItem,
  Coverage,
  DetectedIssue,
  MedicationAdministration,
  Organization,
  Patient,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { GAP_CODE_LIST, GAPS, isGapCode } from '../../domain/gaps.ts';
import { localDate } from '../../domain/time-zone.ts';
import { readGap } from '../../fhir/codec/index.ts';
import { primaryCoverage } from '../../rules/payer.ts';
import type {
  Administration,
  Charge,
  Choice,
  Queue,
  WorklistFilter,
  WorklistOptions,
  WorklistPage,
  WorklistRow,
  WorklistSort,
} from '../contract.ts';
import { inRange, SEVERITIES } from '../filters.ts';
import { atRiskBasis, combineBasis, gapCodeHints, NO_BASIS, priceBasisTags } from '../price-basis.ts';
import { QUEUES, queueOf } from '../queues.ts';
import {
  acknowledgementsOf,
  conceptText,
  gapCodeOf,
  gapDefinition,
  gapDisplay,
  idOf,
  identifierOfType,
  ILLUSTRATIVE_NOTE,
  indexResources,
  issueDateOfService,
  issueEncounter,
  issueEncounterId,
  personName,
  resolve,
  revenueAtRisk,
  round2,
  SEVERITY_RANK,
  summarizeAdministration,
  summarizeCharge,
  DATES_AS_WRITTEN,
  type PriceInfo,
  type ResourceIndex,
  type TimeZoneOf,
} from '../shape.ts';
import { assignedGap, assignmentOf, isAssignmentTask, ownerKey } from './actions.ts';

/** What the worklist is built from: the open gaps and what they point at, read in pages. */
export interface GapResources {
  readonly issues: readonly DetectedIssue[];
  /** Administrations and their Medications, ChargeItems, Encounters, Patients, Coverages, payers. */
  readonly related: readonly Resource[];
  /** The gaps' assignment Tasks. */
  readonly tasks: readonly Task[];
  /** True when the server holds more open gaps than the UI reads at once. */
  readonly truncated: boolean;
}

const DAY_MS = 86_400_000;

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * The payer of the Coverage active on the date of service: its name, else the plan type. The
 * coverage period's instants are dated in the facility's time zone, as the engine dates them.
 */
function payerName(
  coverages: readonly Coverage[],
  patient: string,
  dos: string | undefined,
  index: ResourceIndex,
  tz: string | undefined,
) {
  const coverage = primaryCoverage(coverages, `Patient/${patient}`, dos ? [dos] : [], (d) =>
    localDate(d, tz),
  );
  if (!coverage) return undefined;
  for (const p of Array.isArray(coverage.payor) ? coverage.payor : []) {
    const org = resolve<Organization>(index, p, 'Organization');
    const name = org?.name ?? p?.display;
    if (name) return name;
  }
  return conceptText(coverage.type) ?? 'Coverage without a payer name';
}

function coveragesByPatient(related: readonly Resource[]): Map<string, Coverage[]> {
  const out = new Map<string, Coverage[]>();
  for (const r of related) {
    if (r.resourceType !== 'Coverage') continue;
    const patient = idOf(r.beneficiary, 'Patient');
    if (!patient) continue;
    out.set(patient, [...(out.get(patient) ?? []), r]);
  }
  return out;
}

function tasksByGap(tasks: readonly Task[]): Map<string, Task> {
  const out = new Map<string, Task>();
  for (const t of tasks) {
    const gap = isAssignmentTask(t) ? assignedGap(t) : undefined;
    if (!gap) continue;
    const seen = out.get(gap);
    // Two Tasks for one gap (a server without conditional create): the latest owner wins.
    if (!seen || (t.lastModified ?? '') > (seen.lastModified ?? '')) out.set(gap, t);
  }
  return out;
}

/** How rows are dated and priced; the defaults keep dates as written and say nothing of quarters. */
export interface RowContext {
  /** The facility time zone of an Encounter (shape.ts `timeZoneResolver`). */
  readonly tzOf?: TimeZoneOf;
  readonly prices?: PriceInfo;
  /** The instant aging counts to, dated in each row's facility time zone (else `asOf`). */
  readonly now?: string;
}

const NO_PRICES: PriceInfo = { anyIllustrative: false, illustrative: () => false };

/** One row per open vialwise gap; `asOf` is the day aging counts to (YYYY-MM-DD). */
export function worklistRows(input: GapResources, asOf: string, ctx: RowContext = {}): WorklistRow[] {
  const tzOf = ctx.tzOf ?? DATES_AS_WRITTEN;
  const prices = ctx.prices ?? NO_PRICES;
  const index = indexResources([...input.issues, ...input.related]);
  const coverages = coveragesByPatient(input.related);
  const tasks = tasksByGap(input.tasks);
  const rows: WorklistRow[] = [];
  const seen = new Set<string>();
  for (const issue of input.issues) {
    if (!issue.id || seen.has(issue.id) || issue.status !== 'preliminary') continue;
    seen.add(issue.id);
    const code = gapCodeOf(issue);
    if (code === 'unknown') continue;
    const enc = issueEncounter(issue, index);
    const tz = tzOf(enc);
    const administrations: Administration[] = [];
    const charges: Charge[] = [];
    let claimId: string | undefined;
    for (const ref of issue.implicated ?? []) {
      const ma = resolve<MedicationAdministration>(index, ref, 'MedicationAdministration');
      if (ma) administrations.push(summarizeAdministration(ma, index, tz));
      const ci = resolve<ChargeItem>(index, ref, 'ChargeItem');
      if (ci) charges.push(summarizeCharge(ci, tz));
      claimId ??= idOf(ref, 'Claim');
    }
    const encounterId = issueEncounterId(issue, index);
    const patientId = idOf(issue.patient, 'Patient') ?? idOf(enc?.subject, 'Patient');
    const patient = patientId ? resolve<Patient>(index, `Patient/${patientId}`, 'Patient') : undefined;
    const mrn = identifierOfType(patient?.identifier, ['MR'], /mrn|medical.?record/i);
    const account = identifierOfType(enc?.identifier, ['AN', 'VN'], /account|visit|\bfin\b|csn|har/i);
    const at = revenueAtRisk(issue);
    const dos = issueDateOfService(issue, index, tzOf);
    const today = (ctx.now && localDate(ctx.now, tz)) || asOf;
    const payer = patientId
      ? payerName(coverages.get(patientId) ?? [], patientId, dos, index, tz)
      : undefined;
    const basis =
      at === undefined
        ? undefined
        : atRiskBasis(
            dos,
            gapCodeHints(
              readGap(issue)?.subjectKey,
              issue.detail,
              charges.map((c) => c.code),
            ),
            prices,
            priceBasisTags(issue),
          );
    const task = tasks.get(issue.id);
    rows.push({
      id: issue.id,
      ...(issue.meta?.versionId ? { version: issue.meta.versionId } : {}),
      code,
      display: gapDisplay(code, issue),
      severity: issue.severity ?? (isGapCode(code) ? GAPS[code].severity : 'moderate'),
      queue: queueOf(code),
      detail: issue.detail ?? gapDefinition(code),
      ...(issue.identifiedDateTime ? { identified: issue.identifiedDateTime } : {}),
      ...(dos ? { dateOfService: dos, agingDays: Math.max(0, daysBetween(dos, today)) } : {}),
      ...(at !== undefined ? { revenueAtRisk: at } : {}),
      ...(basis ? { atRiskBasis: basis } : {}),
      administrations,
      charges,
      ...(encounterId
        ? {
            encounter: {
              id: encounterId,
              ...(enc?.class?.code ? { class: enc.class.code } : {}),
              ...(enc?.period?.start ? { start: enc.period.start } : {}),
              ...(account ? { account } : {}),
            },
          }
        : {}),
      ...(patientId
        ? {
            patient: {
              id: patientId,
              name: personName(patient?.name) ?? `Patient/${patientId}`,
              ...(mrn ? { mrn } : {}),
            },
          }
        : {}),
      ...(payer ? { payer } : {}),
      ...(claimId ? { claimId } : {}),
      acknowledgements: acknowledgementsOf(issue),
      ...(task ? { assignment: assignmentOf(task) } : {}),
    });
  }
  return rows.sort(defaultOrder);
}

function defaultOrder(a: WorklistRow, b: WorklistRow): number {
  return (
    (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) ||
    (b.revenueAtRisk ?? 0) - (a.revenueAtRisk ?? 0) ||
    (a.dateOfService ?? '').localeCompare(b.dateOfService ?? '') ||
    a.id.localeCompare(b.id)
  );
}

/** Matches everything but the queue (the queue tabs count with the other filters applied). */
function matchesExceptQueue(r: WorklistRow, f: WorklistFilter): boolean {
  const owner = r.assignment?.owner;
  return (
    (!f.severity || r.severity === f.severity) &&
    (!f.code || r.code === f.code) &&
    inRange(r.dateOfService, f) &&
    (!f.encounter || r.encounter?.id === f.encounter) &&
    (!f.patient || r.patient?.id === f.patient) &&
    (!f.acknowledged || (f.acknowledged === 'yes') === r.acknowledgements.length > 0) &&
    (!f.owner ||
      (f.owner === 'none' ? !owner : f.owner === 'any' ? !!owner : !!owner && ownerKey(owner) === f.owner))
  );
}

export function filterWorklist(rows: readonly WorklistRow[], f: WorklistFilter): WorklistRow[] {
  return rows.filter((r) => (!f.queue || r.queue === f.queue) && matchesExceptQueue(r, f));
}

type Value = string | number | undefined;

const SORT_VALUE: Record<WorklistSort['key'], (r: WorklistRow) => Value> = {
  patient: (r) => r.patient?.name.toLocaleLowerCase(),
  mrn: (r) => r.patient?.mrn ?? r.encounter?.account,
  payer: (r) => r.payer?.toLocaleLowerCase(),
  dos: (r) => r.dateOfService,
  aging: (r) => r.agingDays,
  severity: (r) => SEVERITY_RANK[r.severity] ?? 3,
  gap: (r) => r.display.toLocaleLowerCase(),
  atRisk: (r) => r.revenueAtRisk,
  owner: (r) => r.assignment?.owner?.display.toLocaleLowerCase(),
};

/** Sorted by one column; rows without a value go last either way; ties keep the default order. */
export function sortWorklist(rows: readonly WorklistRow[], sort: WorklistSort): WorklistRow[] {
  const value = SORT_VALUE[sort.key];
  const sign = sort.dir === 'desc' ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === undefined || vb === undefined) {
      if (va !== vb) return va === undefined ? 1 : -1;
      return defaultOrder(a, b);
    }
    const c =
      typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return c * sign || defaultOrder(a, b);
  });
}

/** The filter choices, from the unfiltered rows so that a filter never hides its own options. */
export function worklistOptions(rows: readonly WorklistRow[]): WorklistOptions {
  const codes = new Map<string, number>();
  const patients = new Map<string, string>();
  const encounters = new Set<string>();
  const owners = new Map<string, Choice & { count: number }>();
  for (const r of rows) {
    codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    if (r.patient) patients.set(r.patient.id, r.patient.name);
    if (r.encounter) encounters.add(r.encounter.id);
    const owner = r.assignment?.owner;
    if (owner) {
      const key = ownerKey(owner);
      const o = owners.get(key) ?? { value: key, label: owner.display, count: 0 };
      owners.set(key, { ...o, count: o.count + 1 });
    }
  }
  const order = (c: string) => {
    const i = GAP_CODE_LIST.indexOf(c as (typeof GAP_CODE_LIST)[number]);
    return i < 0 ? GAP_CODE_LIST.length : i;
  };
  return {
    severities: [...SEVERITIES],
    codes: [...codes]
      .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
      .map(([code, count]) => ({ code, display: gapDisplay(code), queue: queueOf(code), count })),
    encounters: [...encounters].sort(),
    patients: [...patients]
      .map(([id, name]) => ({ id, name }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
    owners: [...owners.values()].sort((a, b) => a.label.localeCompare(b.label)),
  };
}

function queuesOf(rows: readonly WorklistRow[]): Queue[] {
  return QUEUES.map((q) => {
    const inQueue = rows.filter((r) => r.queue === q.id);
    return {
      ...q,
      open: inQueue.length,
      atRisk: round2(inQueue.reduce((s, r) => s + (r.revenueAtRisk ?? 0), 0)),
    };
  });
}

export interface WorklistRequest {
  readonly filter: WorklistFilter;
  readonly sort: WorklistSort;
  readonly page: number;
  readonly pageSize: number;
  /** YYYY-MM-DD: the day aging counts to (the default facility's today). */
  readonly asOf: string;
  /** The instant of the request: each row's aging counts to its facility's today. */
  readonly now?: string;
  readonly tzOf?: TimeZoneOf;
}

/** Every row that matches, sorted (the CSV takes them all; the page cuts them). */
export function matchingRows(
  input: GapResources,
  req: Omit<WorklistRequest, 'page' | 'pageSize'>,
  prices?: PriceInfo,
) {
  const all = worklistRows(input, req.asOf, {
    ...(req.tzOf ? { tzOf: req.tzOf } : {}),
    ...(req.now ? { now: req.now } : {}),
    ...(prices ? { prices } : {}),
  });
  return { all, matched: sortWorklist(filterWorklist(all, req.filter), req.sort) };
}

export function buildWorklist(input: GapResources, req: WorklistRequest, prices: PriceInfo): WorklistPage {
  const { all, matched } = matchingRows(input, req, prices);
  const pages = Math.max(1, Math.ceil(matched.length / req.pageSize));
  const page = Math.min(req.page, pages);
  const rows = matched.slice((page - 1) * req.pageSize, page * req.pageSize);
  return {
    rows,
    total: all.length,
    matched: matched.length,
    atRisk: round2(matched.reduce((s, r) => s + (r.revenueAtRisk ?? 0), 0)),
    atRiskBasis: combineBasis(matched.map((r) => r.atRiskBasis ?? NO_BASIS)),
    page,
    pageSize: req.pageSize,
    pages,
    sort: req.sort,
    filter: req.filter,
    queues: queuesOf(all.filter((r) => matchesExceptQueue(r, req.filter))),
    options: worklistOptions(all),
    asOf: req.asOf,
    pricesIllustrative: prices.anyIllustrative,
    ...(prices.anyIllustrative ? { priceNote: ILLUSTRATIVE_NOTE } : {}),
    truncated: input.truncated,
  };
}
