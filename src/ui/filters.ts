/**
 * The query strings of the UI's JSON and CSV: validated here, each bad parameter named. They
 * carry ids, codes and dates only (never a name), because query strings end up in addresses.
 */
import type { Severity } from '../domain/gaps.ts';
import { calendarDate } from '../domain/fhir-values.ts';
import { VialwiseError } from '../domain/errors.ts';
import type { DateRange, SortDirection, SortKey, WorklistFilter, WorklistSort } from './contract.ts';
import { isQueue } from './queues.ts';
import { isSafeId } from './shape.ts';
import { isGapCode } from '../domain/gaps.ts';

export const SEVERITIES: readonly Severity[] = ['high', 'moderate', 'low'];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export class FilterError extends VialwiseError<'invalid-filter'> {
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super('invalid-filter', message, { publicText: message });
    this.parameter = parameter;
  }
}

export type Query = Readonly<Record<string, unknown>>;

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
  if (from && to && from > to)
    throw new FilterError('from', 'from must not be after to (the date range is reversed)');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** Validates the worklist's filters; throws FilterError naming the bad parameter. */
export function parseWorklistFilter(query: Query): WorklistFilter {
  const queue = single(query, 'queue');
  if (queue && queue !== 'all' && !isQueue(queue))
    throw new FilterError('queue', 'queue must be one of the work queues');
  const severity = single(query, 'severity');
  if (severity && !SEVERITIES.includes(severity as Severity))
    throw new FilterError('severity', 'severity must be high, moderate or low');
  const code = single(query, 'code');
  if (code && !isGapCode(code)) throw new FilterError('code', 'code is not a documentation-gap code');
  const encounter = single(query, 'encounter');
  if (encounter && !isSafeId(encounter))
    throw new FilterError('encounter', 'encounter must be an Encounter id');
  const patient = single(query, 'patient');
  if (patient && !isSafeId(patient)) throw new FilterError('patient', 'patient must be a Patient id');
  const acknowledged = single(query, 'acknowledged');
  if (acknowledged && acknowledged !== 'yes' && acknowledged !== 'no')
    throw new FilterError('acknowledged', 'acknowledged must be yes or no');
  const owner = single(query, 'owner');
  if (owner && owner.length > 220) throw new FilterError('owner', 'owner is too long');
  return {
    ...(queue && queue !== 'all' && isQueue(queue) ? { queue } : {}),
    ...(severity ? { severity: severity as Severity } : {}),
    ...(code ? { code } : {}),
    ...parseDateRange(query),
    ...(encounter ? { encounter } : {}),
    ...(patient ? { patient } : {}),
    ...(acknowledged ? { acknowledged: acknowledged as 'yes' | 'no' } : {}),
    ...(owner ? { owner } : {}),
  };
}

const SORT_KEYS: readonly SortKey[] = [
  'patient',
  'mrn',
  'payer',
  'dos',
  'aging',
  'severity',
  'gap',
  'atRisk',
  'owner',
];

/** The default order: most urgent first (severity, then revenue at risk, then oldest service). */
export const DEFAULT_SORT: WorklistSort = { key: 'severity', dir: 'asc' };

export function parseSort(query: Query): WorklistSort {
  const key = single(query, 'sort');
  const dir = single(query, 'dir');
  if (key && !SORT_KEYS.includes(key as SortKey))
    throw new FilterError('sort', `sort must be one of ${SORT_KEYS.join(', ')}`);
  if (dir && dir !== 'asc' && dir !== 'desc') throw new FilterError('dir', 'dir must be asc or desc');
  if (!key) return DEFAULT_SORT;
  return { key: key as SortKey, dir: (dir as SortDirection | undefined) ?? 'asc' };
}

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;

export function parsePage(query: Query): { page: number; pageSize: number } {
  const page = single(query, 'page');
  const size = single(query, 'pageSize');
  if (page && !/^[1-9]\d{0,5}$/.test(page)) throw new FilterError('page', 'page must be a number from 1');
  if (size && !(PAGE_SIZES as readonly number[]).includes(Number(size)))
    throw new FilterError('pageSize', `pageSize must be one of ${PAGE_SIZES.join(', ')}`);
  return { page: page ? Number(page) : 1, pageSize: size ? Number(size) : DEFAULT_PAGE_SIZE };
}

export function inRange(date: string | undefined, range: DateRange): boolean {
  if (!range.from && !range.to) return true;
  if (!date) return false;
  return (!range.from || date >= range.from) && (!range.to || date <= range.to);
}
