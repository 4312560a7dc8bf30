/**
 * The worklist's rows: a table on wide screens, cards on narrow ones (styles.css, `.cards`),
 * with the same cells. Column headers sort; every row has a checkbox and its actions
 * (Acknowledge, Assign), whose forms open in place.
 */
import { cell, day, field, h, instantText, replace, rowHeader, select, severityBadge, time } from './dom.js';
import { amount } from './money.js';

/**
 * @typedef {import('../contract.ts').WorklistPage} WorklistPage
 * @typedef {import('../contract.ts').WorklistRow} Row
 * @typedef {import('../contract.ts').Administration} Administration
 * @typedef {import('../contract.ts').Charge} Charge
 * @typedef {import('../contract.ts').Acknowledgement} Ack
 * @typedef {import('../contract.ts').SortKey} SortKey
 * @typedef {{
 *   selected: Set<string>,
 *   onSelect: () => void,
 *   onSort: (key: SortKey) => void,
 *   openForm: (row: Row, kind: 'acknowledge' | 'assign', container: HTMLElement, close: () => void) => void,
 * }} TableHooks
 */

/** Columns in order: the label (also the card label) and the key it sorts by. */
export const COLUMNS = /** @type {const} */ ([
  ['Patient', 'patient'],
  ['MRN / account', 'mrn'],
  ['Payer', 'payer'],
  ['Date of service', 'dos'],
  ['Aging', 'aging'],
  ['Severity', 'severity'],
  ['What to document', 'gap'],
  ['At risk', 'atRisk'],
  ['Owner', 'owner'],
]);

/** @param {Administration} a */
function administration(a) {
  return h(
    'div',
    { class: 'admin' },
    h('p', { class: 'admin__drug' }, a.drug),
    h(
      'dl',
      { class: 'facts' },
      h('div', null, h('dt', null, 'Dose'), h('dd', null, a.dose ?? h('em', null, 'not documented'))),
      h('div', null, h('dt', null, 'Route'), h('dd', null, a.route ?? h('em', null, 'not documented'))),
      h(
        'div',
        null,
        h('dt', null, 'Time'),
        h('dd', null, a.time ? time(a.start, a.time) : h('em', null, 'not documented')),
      ),
      a.status && a.status !== 'completed'
        ? h('div', null, h('dt', null, 'Status'), h('dd', null, a.status))
        : null,
    ),
  );
}

/** @param {Charge} c */
function chargeText(c) {
  const code = [c.code ?? '?', ...c.modifiers].join('-');
  return `Posted charge ${code} × ${c.units ?? '?'}${c.date ? ` on ${c.date}` : ''}`;
}

/** @param {readonly Ack[]} acks */
export function acknowledgementList(acks) {
  if (!acks.length) return null;
  return h(
    'ul',
    { class: 'acks', 'aria-label': 'Acknowledgements' },
    acks.map((a) =>
      h(
        'li',
        null,
        h('span', { class: 'acks__who' }, `Acknowledged by ${a.author ?? 'a clinician'}`),
        ' ',
        h('span', { class: 'muted' }, `(${instantText(a.date)})`),
        a.note ? h('span', { class: 'acks__note' }, `: ${a.note}`) : null,
      ),
    ),
  );
}

/** @param {Row} r */
export function ownerCell(r) {
  const owner = r.assignment?.owner;
  return owner
    ? [
        h('span', { class: 'owner' }, owner.display),
        h('span', { class: 'sub' }, `since ${day(r.assignment?.since)}`),
      ]
    : h('span', { class: 'muted' }, 'Unassigned');
}

/**
 * @param {WorklistPage} w
 * @param {SortKey} key
 * @param {string} label
 * @param {(key: SortKey) => void} onSort
 */
function sortHeader(w, key, label, onSort) {
  const active = w.sort.key === key;
  const illustrative = key === 'atRisk' && w.pricesIllustrative;
  const dir = active ? w.sort.dir : undefined;
  const arrow = dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : '';
  return h(
    'th',
    {
      scope: 'col',
      class: key === 'atRisk' || key === 'aging' ? 'num' : null,
      'aria-sort': dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : null,
    },
    h(
      'button',
      { type: 'button', class: 'sort', 'data-sort': key, onclick: () => onSort(key) },
      label,
      h('span', { class: 'sort__arrow', 'aria-hidden': 'true' }, arrow),
    ),
    illustrative ? h('span', { class: 'sub' }, '(illustrative)') : null,
  );
}

/**
 * @param {WorklistPage} w
 * @param {TableHooks} hooks
 */
export function worklistTable(w, hooks) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'worklist cards' },
      h('caption', null, 'Open documentation gaps'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col', class: 'select' }, h('span', { class: 'visually-hidden' }, 'Select')),
          COLUMNS.map(([label, key]) => sortHeader(w, key, label, hooks.onSort)),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
        ),
      ),
      h(
        'tbody',
        null,
        w.rows.map((r) => rowElements(r, w, hooks)),
      ),
    ),
  );
}

/**
 * @param {Row} r
 * @param {WorklistPage} w
 * @param {TableHooks} hooks
 */
function rowElements(r, w, hooks) {
  const what = `${r.display}${r.patient ? ` for ${r.patient.name}` : ''}`;
  const formRow = h(
    'tr',
    { class: 'form-row', hidden: true },
    h('td', { colspan: String(COLUMNS.length + 2) }),
  );
  /** @type {HTMLButtonElement | undefined} */
  let opener;
  const close = () => {
    formRow.hidden = true;
    opener?.setAttribute('aria-expanded', 'false');
    opener?.focus();
    opener = undefined;
  };
  /**
   * @param {HTMLButtonElement} button
   * @param {'acknowledge' | 'assign'} kind
   */
  const toggle = (button, kind) => {
    const same = opener === button;
    if (opener) close();
    if (same) return;
    opener = button;
    button.setAttribute('aria-expanded', 'true');
    formRow.hidden = false;
    const td = /** @type {HTMLElement} */ (formRow.firstElementChild);
    replace(td);
    hooks.openForm(r, kind, td, close);
    /** @type {HTMLElement | null} */ (td.querySelector('input, textarea'))?.focus();
  };
  const ackButton = h(
    'button',
    {
      type: 'button',
      class: 'button button--secondary',
      'aria-expanded': 'false',
      'aria-label': `Acknowledge ${what}`,
      'data-action': 'acknowledge',
    },
    'Acknowledge',
  );
  ackButton.addEventListener('click', () => toggle(ackButton, 'acknowledge'));
  const assignButton = h(
    'button',
    {
      type: 'button',
      class: 'button button--secondary',
      'aria-expanded': 'false',
      'aria-label': `Assign ${what}`,
      'data-action': 'assign',
    },
    'Assign',
  );
  assignButton.addEventListener('click', () => toggle(assignButton, 'assign'));
  const checkbox = h('input', {
    type: 'checkbox',
    class: 'select-row',
    'aria-label': `Select ${what}`,
    checked: hooks.selected.has(r.id),
  });
  checkbox.addEventListener('change', () => {
    if (checkbox.checked) hooks.selected.add(r.id);
    else hooks.selected.delete(r.id);
    hooks.onSelect();
  });
  const row = h(
    'tr',
    { id: `gap-${r.id}`, 'data-code': r.code, 'data-queue': r.queue, class: 'gap-row' },
    h('td', { class: 'select' }, checkbox),
    rowHeader(
      'Patient',
      { class: 'patient-cell' },
      r.patient
        ? h('span', { class: 'patient' }, r.patient.name)
        : h('span', { class: 'muted' }, 'No patient'),
      r.encounter
        ? h(
            'span',
            { class: 'sub' },
            h(
              'a',
              { href: `#/encounter/${encodeURIComponent(r.encounter.id)}` },
              `Encounter ${r.encounter.id}`,
            ),
            r.encounter.class ? ` · ${r.encounter.class}` : '',
          )
        : null,
    ),
    cell(
      'MRN / account',
      null,
      r.patient?.mrn
        ? h('span', { class: 'nowrap' }, `MRN ${r.patient.mrn}`)
        : h('span', { class: 'muted' }, 'No MRN'),
      r.encounter?.account ? h('span', { class: 'sub nowrap' }, `Acct ${r.encounter.account}`) : null,
    ),
    cell('Payer', { class: 'payer' }, r.payer ?? h('span', { class: 'muted' }, 'No active coverage')),
    cell('Date of service', { class: 'nowrap' }, r.dateOfService ?? '—'),
    cell(
      'Aging',
      { class: 'num' },
      r.agingDays === undefined ? '—' : `${r.agingDays} day${r.agingDays === 1 ? '' : 's'}`,
    ),
    cell('Severity', null, severityBadge(r.severity)),
    cell(
      'What to document',
      { class: 'what' },
      h('p', { class: 'gap__name' }, r.display),
      h('p', { class: 'detail' }, r.detail),
      r.administrations.map(administration),
      r.charges.map((c) => h('p', { class: 'charge' }, chargeText(c))),
      h('div', { class: 'ack-list' }, acknowledgementList(r.acknowledgements)),
    ),
    cell(money(w), { class: 'num' }, amount(r.revenueAtRisk, r.atRiskBasis)),
    cell('Owner', { class: 'owner-cell' }, ownerCell(r)),
    h('td', { class: 'row-actions' }, h('div', { class: 'row-actions__inner' }, ackButton, assignButton)),
  );
  return [row, formRow];
}

/** @param {WorklistPage} w */
function money(w) {
  return w.pricesIllustrative ? 'At risk (illustrative)' : 'At risk';
}

/**
 * Previous, the page, Next, and the page size.
 * @param {WorklistPage} data
 * @param {(page: number, pageSize: number) => void} go
 */
export function pageControls(data, go) {
  const size = select(
    'pageSize',
    [25, 50, 100, 200].map((n) => ({ value: String(n), label: `${n} per page` })),
    String(data.pageSize),
  );
  size.addEventListener('change', () => go(1, Number(size.value)));
  return [
    h(
      'button',
      {
        type: 'button',
        class: 'button button--secondary',
        disabled: data.page <= 1,
        onclick: () => go(data.page - 1, data.pageSize),
      },
      '← Previous',
    ),
    h('span', { class: 'pager__where' }, `Page ${data.page} of ${data.pages}`),
    h(
      'button',
      {
        type: 'button',
        class: 'button button--secondary',
        disabled: data.page >= data.pages,
        onclick: () => go(data.page + 1, data.pageSize),
      },
      'Next →',
    ),
    field('page-size', 'Rows per page', size),
  ];
}
