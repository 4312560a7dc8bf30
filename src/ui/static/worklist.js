/**
 * The worklist: open documentation gaps routed to queues (clinical documentation, charge
 * correction, registration and coverage). It opens on the queue this browser chose last
 * (localStorage: a preference, not patient data, and not in the page address); filters, sorting
 * and the page are in the address as ids and codes only. People sort by any column, acknowledge
 * or assign one gap or the selected ones, and download the filtered list as CSV.
 */
import { download, getJson, query } from './api.js';
import {
  announce,
  errorBox,
  field,
  h,
  plural,
  priceNotice,
  replace,
  select,
  successBox,
  usd,
} from './dom.js';
import {
  acknowledgeForm,
  acknowledgeRows,
  assignForm,
  assignRows,
  gapName,
  outcomeText,
  practitionerList,
} from './worklist-actions.js';
import { acknowledgementList, COLUMNS, ownerCell, worklistTable } from './worklist-table.js';

/**
 * @typedef {import('../contract.ts').WorklistPage} WorklistPage
 * @typedef {import('../contract.ts').WorklistRow} Row
 * @typedef {import('../contract.ts').WorklistOptions} Options
 * @typedef {import('../contract.ts').SortKey} SortKey
 * @typedef {import('../contract.ts').BulkOutcome} BulkOutcome
 * @typedef {import('../contract.ts').PractitionerOption} PractitionerOption
 * @typedef {{ filter: Record<string, string | undefined>, queue: string, sort: SortKey, dir: 'asc' | 'desc',
 *   page: number, pageSize: number }} State
 */

const FILTERS = ['severity', 'code', 'from', 'to', 'patient', 'encounter', 'owner', 'acknowledged'];
const QUEUE_KEY = 'vialwise.queue';
const SORT_KEYS = COLUMNS.map(([, key]) => /** @type {string} */ (key));

/** @returns {string | undefined} the queue this browser chose last */
function rememberedQueue() {
  try {
    return window.localStorage.getItem(QUEUE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} queue */
function rememberQueue(queue) {
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
function stateFrom(params) {
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
function hashOf(s) {
  return `#/worklist${query({
    ...s.filter,
    ...(s.sort !== 'severity' || s.dir !== 'asc' ? { sort: s.sort, dir: s.dir } : {}),
    ...(s.page > 1 ? { page: String(s.page) } : {}),
    ...(s.pageSize !== 50 ? { pageSize: String(s.pageSize) } : {}),
  })}`;
}

/** @param {State} s the API's parameters */
function apiParams(s) {
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
 * @param {import('./app.js').ViewContext} ctx
 */
export async function renderWorklist(ctx) {
  const { main, route, signal } = ctx;
  document.title = 'Worklist – vialwise';
  const state = stateFrom(route.params);
  const firstVisit = rememberedQueue() === undefined;
  const [first, people] = await Promise.all([
    /** @type {Promise<WorklistPage>} */ (getJson('/api/ui/worklist', apiParams(state))),
    /** @type {Promise<{ practitioners: PractitionerOption[] }>} */ (getJson('/api/ui/practitioners')).catch(
      () => ({ practitioners: [] }),
    ),
  ]);
  if (signal.aborted) return;
  let data = first;
  const byName = new Map(people.practitioners.map((p) => [p.display, p.reference]));
  /** Ids selected on this page. @type {Set<string>} */
  const selected = new Set();
  /** @type {Map<string, Row>} */
  let rowsById = new Map();

  const queues = h('div', { class: 'queues', role: 'group', 'aria-label': 'Queue' });
  const queueWho = h('p', { class: 'queue-who muted', id: 'queue-who' });
  const notices = h('div');
  const summary = h('p', { class: 'summary', id: 'worklist-summary' });
  const flashArea = h('div', { class: 'flash', id: 'worklist-flash', 'aria-live': 'polite' });
  const bulk = h('div', { class: 'bulk', id: 'bulk' });
  const bulkPanel = h('div', { class: 'bulk-panel' });
  const results = h('div', { class: 'results' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const csvStatus = h('div');

  /** @param {Node | null} box */
  const flash = (box) => replace(flashArea, box);

  const queueButtons = () => {
    const tabs = [
      ...data.queues.map((q) => ({ id: q.id, label: q.label, open: q.open })),
      { id: 'all', label: 'All queues', open: data.queues.reduce((n, q) => n + q.open, 0) },
    ];
    replace(
      queues,
      tabs.map((t) =>
        h(
          'button',
          {
            type: 'button',
            class: 'queue',
            'data-queue': t.id,
            'aria-pressed': String(state.queue === t.id),
            onclick: () => {
              state.queue = t.id;
              state.page = 1;
              rememberQueue(t.id);
              void refresh();
            },
          },
          h('span', { class: 'queue__label' }, t.label),
          h('span', { class: 'queue__count' }, String(t.open)),
        ),
      ),
    );
    const q = data.queues.find((x) => x.id === state.queue);
    replace(
      queueWho,
      q ? q.who : 'Every open gap, whoever works it.',
      firstVisit ? ' Pick your queue: this browser opens on it next time.' : '',
    );
  };

  const bulkBar = () => {
    const onPage = data.rows.map((r) => r.id);
    const all = h('input', {
      type: 'checkbox',
      id: 'select-all',
      checked: onPage.length > 0 && onPage.every((id) => selected.has(id)),
      disabled: onPage.length === 0,
    });
    all.addEventListener('change', () => {
      for (const id of onPage) {
        if (all.checked) selected.add(id);
        else selected.delete(id);
      }
      for (const box of results.querySelectorAll('input.select-row'))
        /** @type {HTMLInputElement} */ (box).checked = all.checked;
      bulkBar();
    });
    const n = selected.size;
    const rows = () => [...selected].map((id) => rowsById.get(id)).filter((r) => r !== undefined);
    replace(
      bulk,
      h('div', { class: 'bulk__select' }, all, h('label', { for: 'select-all' }, 'Select all on this page')),
      h('span', { class: 'bulk__count', 'aria-live': 'polite' }, n ? `${n} selected` : 'None selected'),
      h(
        'div',
        { class: 'bulk__actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'button button--secondary',
            disabled: n === 0,
            onclick: () => openBulk('acknowledge', rows()),
          },
          'Acknowledge selected',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'button button--secondary',
            disabled: n === 0,
            onclick: () => openBulk('assign', rows()),
          },
          'Assign selected',
        ),
      ),
    );
  };

  /**
   * @param {string} verb
   * @param {BulkOutcome} outcome
   */
  const report = (verb, outcome) => {
    const o = outcomeText(verb, outcome, rowsById);
    flash(
      o.ok
        ? successBox(o.text)
        : h(
            'div',
            { class: 'notice notice--error', role: 'alert' },
            h('strong', null, o.text),
            h(
              'ul',
              null,
              o.failures.map((f) => h('li', null, f)),
            ),
          ),
    );
    return o;
  };

  /**
   * @param {'acknowledge' | 'assign'} kind
   * @param {Row[]} rows
   */
  const openBulk = (kind, rows) => {
    if (!rows.length) return;
    const close = () => {
      replace(bulkPanel);
      /** @type {HTMLElement | null} */ (bulk.querySelector('button:not([disabled])'))?.focus();
    };
    const done = async (/** @type {string} */ verb, /** @type {BulkOutcome} */ outcome) => {
      report(verb, outcome);
      replace(bulkPanel);
      selected.clear();
      await refresh({ keepFlash: true });
      // Focus on the result, so that keyboard and screen-reader users hear it and go on from there.
      const box = /** @type {HTMLElement | null} */ (flashArea.querySelector('.notice'));
      box?.setAttribute('tabindex', '-1');
      box?.focus();
    };
    const title = `${kind === 'acknowledge' ? 'Acknowledge' : 'Assign'} ${plural(rows.length, 'selected gap')}`;
    replace(
      bulkPanel,
      kind === 'acknowledge'
        ? acknowledgeForm({
            id: 'bulk',
            title,
            submitLabel: `Record ${plural(rows.length, 'acknowledgement')}`,
            byName,
            onClose: close,
            onSubmit: async (author, note) => done('acknowledged', await acknowledgeRows(rows, author, note)),
          })
        : assignForm({
            id: 'bulk',
            title,
            byName,
            onClose: close,
            onSubmit: async (owner) => done(owner ? 'assigned' : 'unassigned', await assignRows(rows, owner)),
          }),
    );
    /** @type {HTMLElement | null} */ (bulkPanel.querySelector('input, textarea'))?.focus();
  };

  /**
   * One row's form, in place under the row; on success the row shows the change at once.
   * @param {Row} r
   * @param {'acknowledge' | 'assign'} kind
   * @param {HTMLElement} container
   * @param {() => void} close
   */
  const openForm = (r, kind, container, close) => {
    const rowEl = () => document.getElementById(`gap-${r.id}`);
    const single = (/** @type {BulkOutcome} */ outcome, /** @type {string} */ verb) => {
      const result = outcome.results[0];
      if (!result?.ok) throw new Error(result?.message ?? `The gap was not ${verb}.`);
      return result;
    };
    if (kind === 'acknowledge') {
      replace(
        container,
        acknowledgeForm({
          id: r.id,
          title: `Acknowledge: ${gapName(r, r.id)}`,
          submitLabel: 'Record acknowledgement',
          byName,
          onClose: close,
          onSubmit: async (author, note) => {
            const result = single(await acknowledgeRows([r], author, note), 'acknowledged');
            // The row keeps working with the new version (a second acknowledgement, an assignment).
            Object.assign(r, updated(r, result));
            const list = rowEl()?.querySelector('.ack-list');
            if (list) replace(list, acknowledgementList(r.acknowledgements));
            close();
            flash(successBox(`Acknowledgement recorded for ${gapName(r, r.id)}.`));
            announce(`Acknowledgement recorded for ${gapName(r, r.id)}.`);
          },
        }),
      );
    } else {
      replace(
        container,
        assignForm({
          id: r.id,
          title: `Assign: ${gapName(r, r.id)}`,
          ...(r.assignment?.owner ? { current: r.assignment.owner.display } : {}),
          byName,
          onClose: close,
          onSubmit: async (owner) => {
            const result = single(await assignRows([r], owner), owner ? 'assigned' : 'unassigned');
            const next = updated(r, result);
            if (!next.assignment) delete (/** @type {{ assignment?: unknown }} */ (r).assignment);
            Object.assign(r, next);
            const ownerEl = rowEl()?.querySelector('.owner-cell');
            if (ownerEl) replace(ownerEl, ownerCell(r));
            close();
            flash(
              successBox(
                result.assignment?.owner
                  ? `${gapName(r, r.id)} assigned to ${result.assignment.owner.display}.`
                  : `${gapName(r, r.id)} is unassigned.`,
              ),
            );
          },
        }),
      );
    }
  };

  const show = () => {
    rowsById = new Map(data.rows.map((r) => [r.id, r]));
    for (const id of [...selected]) if (!rowsById.has(id)) selected.delete(id);
    queueButtons();
    replace(
      notices,
      priceNotice(data.priceNote),
      data.truncated
        ? h(
            'p',
            { class: 'notice', role: 'note' },
            'More open gaps exist than this page reads at once: narrow the filters.',
          )
        : null,
    );
    const from = (data.page - 1) * data.pageSize + 1;
    const to = from + data.rows.length - 1;
    const queueName = data.queues.find((q) => q.id === state.queue)?.label;
    const text = data.matched
      ? `Showing ${from}–${to} of ${plural(data.matched, 'open gap')}${queueName ? ` in ${queueName}` : ''}; ${usd(data.atRisk)} at risk${data.pricesIllustrative ? ' (illustrative prices)' : ''}.`
      : `No open gaps${queueName ? ` in ${queueName}` : ''}${data.total ? ' match these filters' : ''}.`;
    replace(summary, text);
    replace(
      results,
      data.rows.length
        ? worklistTable(data, { selected, onSelect: bulkBar, onSort, openForm })
        : h(
            'p',
            { class: 'empty' },
            data.total
              ? 'No open gap matches these filters.'
              : 'No open documentation gaps. Nothing to fix right now.',
          ),
    );
    pagerControls();
    bulkBar();
    return text;
  };

  /** @param {SortKey} key */
  const onSort = (key) => {
    state.dir = state.sort === key && state.dir === 'asc' ? 'desc' : 'asc';
    state.sort = key;
    state.page = 1;
    void refresh({ focus: `button.sort[data-sort="${key}"]` });
  };

  const pagerControls = () => {
    const go = (/** @type {number} */ page) => {
      state.page = page;
      void refresh({ focus: '#worklist-summary' });
    };
    const size = select(
      'pageSize',
      [25, 50, 100, 200].map((n) => ({ value: String(n), label: `${n} per page` })),
      String(state.pageSize),
    );
    size.addEventListener('change', () => {
      state.pageSize = Number(size.value);
      go(1);
    });
    replace(
      pager,
      h(
        'button',
        {
          type: 'button',
          class: 'button button--secondary',
          disabled: data.page <= 1,
          onclick: () => go(data.page - 1),
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
          onclick: () => go(data.page + 1),
        },
        'Next →',
      ),
      field('page-size', 'Rows per page', size),
    );
  };

  /** @param {{ keepFlash?: boolean, focus?: string }} [opts] */
  const refresh = async (opts = {}) => {
    history.replaceState(null, '', hashOf(state));
    if (!opts.keepFlash) flash(null);
    results.setAttribute('aria-busy', 'true');
    try {
      data = /** @type {WorklistPage} */ (await getJson('/api/ui/worklist', apiParams(state)));
      show();
      sortControl.value = state.sort;
      dirControl.value = state.dir;
      if (opts.focus) /** @type {HTMLElement | null} */ (main.querySelector(opts.focus))?.focus();
    } catch (err) {
      // Stale rows must not stay under an error: the error replaces them.
      replace(summary, 'No results to show.');
      replace(results, errorBox(err));
      replace(pager);
      selected.clear();
    } finally {
      results.removeAttribute('aria-busy');
    }
  };

  const form = filterForm(data.options, state.filter);
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'filter-error', hidden: true });
  form.querySelector('.actions')?.before(formError);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    /** @type {Record<string, string | undefined>} */
    const next = {};
    for (const k of FILTERS) {
      const v = fd.get(k);
      next[k] = typeof v === 'string' && v ? v : undefined;
    }
    const reversed = !!(next['from'] && next['to'] && next['from'] > next['to']);
    for (const name of ['from', 'to']) {
      const input = form.querySelector(`[name="${name}"]`);
      if (reversed) {
        input?.setAttribute('aria-invalid', 'true');
        input?.setAttribute('aria-describedby', 'filter-error');
      } else {
        input?.removeAttribute('aria-invalid');
        input?.removeAttribute('aria-describedby');
      }
    }
    formError.hidden = !reversed;
    if (reversed) {
      replace(formError, 'The date range is reversed: “Date of service from” is after “to”.');
      replace(summary, 'No results to show.');
      replace(results, h('p', { class: 'empty' }, 'Fix the date range to see the gaps.'));
      replace(pager);
      /** @type {HTMLElement | null} */ (form.querySelector('[name="from"]'))?.focus();
      return;
    }
    state.filter = next;
    state.page = 1;
    void refresh();
  });
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll('select, input')) {
      /** @type {HTMLInputElement} */ (el).value = '';
      el.removeAttribute('aria-invalid');
    }
    formError.hidden = true;
    state.filter = {};
    state.page = 1;
    void refresh();
  });

  const sortControl = select(
    'sort',
    COLUMNS.map(([label, key]) => ({ value: key, label })),
    state.sort,
  );
  const dirControl = select(
    'dir',
    [
      { value: 'asc', label: 'Ascending' },
      { value: 'desc', label: 'Descending' },
    ],
    state.dir,
  );
  const resort = () => {
    state.sort = /** @type {SortKey} */ (sortControl.value);
    state.dir = dirControl.value === 'desc' ? 'desc' : 'asc';
    state.page = 1;
    void refresh();
  };
  sortControl.addEventListener('change', resort);
  dirControl.addEventListener('change', resort);

  const csvButton = h('button', { type: 'button', class: 'button button--secondary' }, 'Download CSV');
  csvButton.addEventListener('click', () => {
    replace(csvStatus);
    // Every matching gap, not only this page.
    const params = { ...apiParams(state), page: undefined, pageSize: undefined };
    download('/api/ui/worklist.csv', params, 'vialwise-worklist.csv').catch((/** @type {unknown} */ err) =>
      replace(csvStatus, errorBox(err)),
    );
  });

  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Worklist'),
    h(
      'p',
      { class: 'lede' },
      'Open documentation gaps: what to fix so that the drug can be billed. Fix it in the EHR; vialwise closes the gap when it re-evaluates the encounter. Acknowledge a gap to say you are on it, or assign it to someone.',
    ),
    queues,
    queueWho,
    notices,
    form,
    h(
      'div',
      { class: 'toolbar' },
      summary,
      h(
        'div',
        { class: 'toolbar__controls' },
        field('sort-by', 'Sort by', sortControl),
        field('sort-dir', 'Order', dirControl),
        h(
          'div',
          { class: 'toolbar__buttons' },
          csvButton,
          h(
            'button',
            { type: 'button', class: 'button button--secondary', onclick: () => void refresh() },
            'Refresh',
          ),
        ),
      ),
    ),
    csvStatus,
    flashArea,
    bulk,
    bulkPanel,
    results,
    pager,
    practitionerList(people.practitioners),
  );
  show();
}

/**
 * The row after a write: the new version and acknowledgements, or the new assignment.
 * @param {Row} r
 * @param {import('../contract.ts').ActionOutcome} result
 * @returns {Row}
 */
function updated(r, result) {
  if (result.acknowledgements)
    return {
      ...r,
      ...(result.version ? { version: result.version } : {}),
      acknowledgements: result.acknowledgements,
    };
  const rest = { ...r };
  delete rest.assignment;
  return result.assignment ? { ...rest, assignment: result.assignment } : rest;
}

/**
 * @param {Options} options
 * @param {Record<string, string | undefined>} filter
 */
function filterForm(options, filter) {
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
