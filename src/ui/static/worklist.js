/**
 * The worklist: open documentation gaps routed to queues (clinical documentation, charge
 * correction, registration and coverage). It opens on the queue this browser chose last
 * (localStorage: a preference, not patient data, and not in the page address); filters, sorting
 * and the page are in the address as ids and codes only. People sort by any column, acknowledge
 * or assign one gap or the selected ones, and download the filtered list as CSV.
 */
import { download, getJson } from './api.js';

/**
 * `(CMS 2026Q1 limit, estimate, earlier quarter)` after the total at risk.
 * @param {WorklistPage} data
 */
function atRiskWords(data) {
  const words = basisWords(data.atRiskBasis);
  if (!words.length) return data.pricesIllustrative ? ' (illustrative prices)' : '';
  return ` (${words.join(', ')})`;
}
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
  outcomeBox,
  updated,
  practitionerList,
} from './worklist-actions.js';
import { basisLegend, basisWords } from './money.js';
import { acknowledgementList, COLUMNS, ownerCell, pageControls, worklistTable } from './worklist-table.js';
import {
  apiParams,
  FILTERS,
  filterForm,
  hashOf,
  rememberedQueue,
  rememberQueue,
  stateFrom,
} from './worklist-state.js';

/**
 * @typedef {import('../contract.ts').WorklistPage} WorklistPage
 * @typedef {import('../contract.ts').WorklistRow} Row
 * @typedef {import('../contract.ts').SortKey} SortKey
 * @typedef {import('../contract.ts').BulkOutcome} BulkOutcome
 * @typedef {import('../contract.ts').PractitionerOption} PractitionerOption
 */

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
      flash(outcomeBox(verb, outcome, rowsById));
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
      data.matched ? basisLegend(data.atRiskBasis, 'worklist-basis') : null,
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
      ? `Showing ${from}–${to} of ${plural(data.matched, 'open gap')}${queueName ? ` in ${queueName}` : ''}; ${usd(data.atRisk)} at risk${atRiskWords(data)}.`
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

  const pagerControls = () =>
    replace(
      pager,
      pageControls(data, (page, pageSize) => {
        state.page = page;
        state.pageSize = pageSize;
        void refresh({ focus: '#worklist-summary' });
      }),
    );

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
