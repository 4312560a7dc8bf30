/**
 * The worklist's state: the queue this browser chose (localStorage, never the page address), and
 * the filters, sorting and page (the page address, as ids and codes only); the filter form.
 */
import { query } from './api.js';
import { field, h, select } from './dom.js';
import { COLUMNS } from './worklist-table.js';

/**
 * @typedef {import('../contract.ts').WorklistOptions} Options
 * @typedef {import('../contract.ts').SortKey} SortKey
 * @typedef {{ filter: Record<string, string | undefined>, queue: string, sort: SortKey, dir: 'asc' | 'desc',
 *   page: number, pageSize: number }} State
 */

export const FILTERS = ['severity', 'code', 'from', 'to', 'patient', 'encounter', 'owner', 'acknowledged'];
const QUEUE_KEY = 'vialwise.queue';
const SORT_KEYS = COLUMNS.map(([, key]) => /** @type {string} */ (key));

/** @returns {string | undefined} the queue this browser chose last */
export function rememberedQueue() {
  try {
    return window.localStorage.getItem(QUEUE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} queue */
export function rememberQueue(queue) {
  try {
    window.localStorage.setItem(QUEUE_KEY, queue);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

/**
 * @param {URLSearchParams} params
 * @returns {State}
 */
export function stateFrom(params) {
  /** @type {Record<string, string | undefined>} */
  const filter = {};
  for (const k of FILTERS) filter[k] = params.get(k) || undefined;
  const sort = params.get('sort') ?? '';
  const page = Number(params.get('page'));
  const pageSize = Number(params.get('pageSize'));
  return {
    filter,
    queue: rememberedQueue() ?? 'all',
    sort: /** @type {SortKey} */ (SORT_KEYS.includes(sort) ? sort : 'severity'),
    dir: params.get('dir') === 'desc' ? 'desc' : 'asc',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    pageSize: [25, 50, 100, 200].includes(pageSize) ? pageSize : 50,
  };
}

/** @param {State} s the page address: filters, sort and page (never the queue, never a name) */
export function hashOf(s) {
  return `#/worklist${query({
    ...s.filter,
    ...(s.sort !== 'severity' || s.dir !== 'asc' ? { sort: s.sort, dir: s.dir } : {}),
    ...(s.page > 1 ? { page: String(s.page) } : {}),
    ...(s.pageSize !== 50 ? { pageSize: String(s.pageSize) } : {}),
  })}`;
}

/** @param {State} s the API's parameters */
export function apiParams(s) {
  return {
    ...s.filter,
    queue: s.queue === 'all' ? undefined : s.queue,
    sort: s.sort,
    dir: s.dir,
    page: String(s.page),
    pageSize: String(s.pageSize),
  };
}

/**
 * @param {Options} options
 * @param {Record<string, string | undefined>} filter
 */
export function filterForm(options, filter) {
  const opt = (/** @type {string} */ value, /** @type {string} */ label) => ({ value, label });
  const controls = {
    severity: select(
      'severity',
      [opt('', 'Any severity'), ...options.severities.map((s) => opt(s, s[0]?.toUpperCase() + s.slice(1)))],
      filter['severity'],
    ),
    code: select(
      'code',
      [opt('', 'Any gap'), ...options.codes.map((c) => opt(c.code, `${c.display} (${c.count})`))],
      filter['code'],
    ),
    from: h('input', { type: 'date', name: 'from', value: filter['from'] ?? '' }),
    to: h('input', { type: 'date', name: 'to', value: filter['to'] ?? '' }),
    patient: select(
      'patient',
      [opt('', 'Any patient'), ...options.patients.map((p) => opt(p.id, p.name))],
      filter['patient'],
    ),
    encounter: select(
      'encounter',
      [opt('', 'Any encounter'), ...options.encounters.map((e) => opt(e, e))],
      filter['encounter'],
    ),
    owner: select(
      'owner',
      [
        opt('', 'Anyone or nobody'),
        opt('none', 'Unassigned'),
        opt('any', 'Assigned to someone'),
        ...options.owners.map((o) => opt(o.value, `${o.label} (${o.count ?? 0})`)),
      ],
      filter['owner'],
    ),
    acknowledged: select(
      'acknowledged',
      [opt('', 'All open gaps'), opt('no', 'Not acknowledged yet'), opt('yes', 'Acknowledged')],
      filter['acknowledged'],
    ),
  };
  const active = FILTERS.filter((k) => filter[k]).length;
  return h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the worklist' },
    h(
      'details',
      { class: 'filters__details', open: active > 0 || window.matchMedia('(min-width: 75rem)').matches },
      h('summary', null, active ? `Filters (${active} active)` : 'Filters'),
      h(
        'div',
        { class: 'filters__grid' },
        field('f-severity', 'Severity', controls.severity),
        field('f-code', 'Gap', controls.code),
        field('f-from', 'Date of service from', controls.from),
        field('f-to', 'Date of service to', controls.to),
        field('f-patient', 'Patient', controls.patient),
        field('f-encounter', 'Encounter', controls.encounter),
        field('f-owner', 'Owner', controls.owner),
        field('f-acknowledged', 'Acknowledgement', controls.acknowledged),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'button' }, 'Apply filters'),
        h('button', { type: 'reset', class: 'button button--secondary' }, 'Clear filters'),
      ),
    ),
  );
}
