/**
 * The clinicians' worklist: open documentation gaps with what to document, the administration
 * each is about and the revenue at risk; filters; and the acknowledge form, which records a
 * mitigation on the DetectedIssue (written by the service with If-Match on the version shown).
 */
import { ApiError, getJson, postJson, query } from './api.js';
import {
  announce,
  day,
  errorBox,
  field,
  h,
  instantText,
  priceNotice,
  replace,
  select,
  severityBadge,
  time,
  usd,
} from './dom.js';

/**
 * @typedef {{ id: string, drug: string, dose?: string, route?: string, time?: string, start?: string, status?: string, performer?: string, charted?: string }} Administration
 * @typedef {{ id: string, code?: string, modifiers: string[], units?: number, date?: string }} Charge
 * @typedef {{ date?: string, author?: string, note?: string }} Ack
 * @typedef {{ id: string, version?: string, code: string, display: string, severity: string, detail: string, identified?: string,
 *   dateOfService?: string, revenueAtRisk?: number, administrations: Administration[], charges: Charge[],
 *   encounter?: { id: string, class?: string, start?: string }, patient?: { id: string, name: string }, claimId?: string,
 *   acknowledgements: Ack[] }} Row
 * @typedef {{ severities: string[], codes: { code: string, display: string, count: number }[], encounters: string[],
 *   patients: { id: string, name: string }[] }} Options
 * @typedef {{ rows: Row[], total: number, atRisk: number, options: Options, pricesIllustrative: boolean, priceNote?: string,
 *   truncated: boolean }} Worklist
 * @typedef {{ reference: string, display: string }} PractitionerOption
 */

const FILTERS = ['severity', 'code', 'from', 'to', 'patient', 'encounter', 'acknowledged'];

/** @param {URLSearchParams} params */
function filterFrom(params) {
  /** @type {Record<string, string | undefined>} */
  const f = {};
  for (const k of FILTERS) f[k] = params.get(k) ?? undefined;
  return f;
}

/** @param {Administration} a */
function administrationCell(a) {
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
function acknowledgementList(acks) {
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

/**
 * @param {import('./app.js').ViewContext} ctx
 */
export async function renderWorklist(ctx) {
  const { main, route, signal } = ctx;
  document.title = 'Worklist – vialwise';
  let filter = filterFrom(route.params);
  const [data, practitioners] = await Promise.all([
    /** @type {Promise<Worklist>} */ (getJson('/api/ui/worklist', filter)),
    /** @type {Promise<{ practitioners: PractitionerOption[] }>} */ (getJson('/api/ui/practitioners')).catch(
      () => ({ practitioners: [] }),
    ),
  ]);
  if (signal.aborted) return;
  const byName = new Map(practitioners.practitioners.map((p) => [p.display, p.reference]));

  const summary = h('p', { class: 'summary', id: 'worklist-summary' });
  const results = h('div', { class: 'results' });
  const notices = h('div');

  /** @param {Worklist} w */
  const showResults = (w) => {
    replace(
      notices,
      priceNotice(w.priceNote),
      w.truncated
        ? h(
            'p',
            { class: 'notice', role: 'note' },
            'More open gaps exist than this page reads at once: narrow the filters.',
          )
        : null,
    );
    const shown = w.rows.length;
    const text = `Showing ${shown} of ${w.total} open gap${w.total === 1 ? '' : 's'}; ${usd(w.atRisk)} at risk${w.pricesIllustrative ? ' (illustrative prices)' : ''}.`;
    replace(summary, text);
    replace(
      results,
      shown
        ? table(w)
        : h(
            'p',
            { class: 'empty' },
            w.total
              ? 'No open gap matches these filters.'
              : 'No open documentation gaps. Nothing to fix right now.',
          ),
    );
    return text;
  };

  /** @param {Worklist} w */
  const table = (w) =>
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'worklist' },
        h('caption', null, 'Open documentation gaps, highest severity and revenue at risk first'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Gap'),
            h('th', { scope: 'col' }, 'What to document'),
            h('th', { scope: 'col' }, 'Administration'),
            h('th', { scope: 'col', class: 'col-patient' }, 'Patient and encounter'),
            h(
              'th',
              { scope: 'col', class: 'num' },
              w.pricesIllustrative ? 'At risk (illustrative)' : 'At risk',
            ),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
          ),
        ),
        h(
          'tbody',
          null,
          w.rows.map((r) => rowElements(r)),
        ),
      ),
    );

  /** @param {Row} r */
  const rowElements = (r) => {
    const formId = `ack-${r.id}`;
    const ackCell = h('div', { class: 'ack-list' }, acknowledgementList(r.acknowledgements));
    const button = h(
      'button',
      {
        type: 'button',
        class: 'button button--secondary',
        'aria-expanded': 'false',
        'aria-controls': formId,
      },
      'Acknowledge',
      h('span', { class: 'visually-hidden' }, ` ${r.display}${r.patient ? ` for ${r.patient.name}` : ''}`),
    );
    const formRow = h('tr', { id: formId, class: 'ack-row', hidden: true }, h('td', { colspan: '6' }));
    button.addEventListener('click', () => {
      const open = button.getAttribute('aria-expanded') === 'true';
      if (open) return closeForm();
      button.setAttribute('aria-expanded', 'true');
      formRow.hidden = false;
      const td = /** @type {HTMLElement} */ (formRow.firstElementChild);
      replace(
        td,
        ackForm(r, closeForm, (acks) => replace(ackCell, acknowledgementList(acks))),
      );
      td.querySelector('input')?.focus();
    });
    const closeForm = () => {
      button.setAttribute('aria-expanded', 'false');
      formRow.hidden = true;
      button.focus();
    };
    const row = h(
      'tr',
      { id: `gap-${r.id}`, 'data-code': r.code },
      h(
        'th',
        { scope: 'row', class: 'gap' },
        severityBadge(r.severity),
        ' ',
        h('span', { class: 'gap__name' }, r.display),
        h('code', { class: 'gap__code' }, r.code),
      ),
      h('td', null, h('p', { class: 'detail' }, r.detail), ackCell),
      h(
        'td',
        null,
        r.administrations.length
          ? r.administrations.map(administrationCell)
          : h('p', { class: 'muted' }, 'No single administration (the whole encounter)'),
        r.charges.map((c) => h('p', { class: 'charge' }, chargeText(c))),
      ),
      h(
        'td',
        null,
        r.patient ? h('p', { class: 'patient' }, r.patient.name) : null,
        r.encounter
          ? h(
              'p',
              null,
              h(
                'a',
                { href: `#/encounter/${encodeURIComponent(r.encounter.id)}` },
                `Encounter ${r.encounter.id}`,
              ),
              r.encounter.class ? ` · ${r.encounter.class}` : '',
            )
          : null,
        h('p', { class: 'muted' }, 'Date of service ', h('span', { class: 'nowrap' }, day(r.dateOfService))),
      ),
      h(
        'td',
        { class: 'num' },
        r.revenueAtRisk === undefined ? h('span', { class: 'muted' }, 'not estimated') : usd(r.revenueAtRisk),
      ),
      h('td', null, button),
    );
    return [row, formRow];
  };

  /**
   * @param {Row} r
   * @param {() => void} close
   * @param {(acks: Ack[]) => void} onSaved
   */
  const ackForm = (r, close, onSaved) => {
    const errorEl = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const clinician = h('input', {
      type: 'text',
      name: 'clinician',
      list: 'practitioner-names',
      required: true,
      autocomplete: 'name',
      maxlength: '200',
    });
    const note = h('textarea', { name: 'note', required: true, rows: '3', maxlength: '2000' });
    const submit = h('button', { type: 'submit', class: 'button' }, 'Record acknowledgement');
    const form = h(
      'form',
      { class: 'ack-form', 'aria-labelledby': `ack-title-${r.id}`, novalidate: true },
      h(
        'h2',
        { id: `ack-title-${r.id}`, class: 'ack-form__title' },
        `Acknowledge: ${r.display}${r.patient ? ` (${r.patient.name})` : ''}`,
      ),
      field(
        `ack-clinician-${r.id}`,
        'Clinician',
        clinician,
        'Your name as a Practitioner on the FHIR server (pick from the list), your own name, or Practitioner/<id>.',
      ),
      field(
        `ack-note-${r.id}`,
        'Note',
        note,
        'What you did or will do about this gap, for example “Asked Dr Charlie to link the asthma diagnosis”.',
      ),
      errorEl,
      h(
        'div',
        { class: 'actions' },
        submit,
        h('button', { type: 'button', class: 'button button--secondary', onclick: close }, 'Cancel'),
      ),
    );
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') close();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = clinician.value.trim();
      const text = note.value.trim();
      const problems = [];
      if (!name) problems.push('Say who you are (Clinician).');
      if (!text) problems.push('Write a note.');
      clinician.setAttribute('aria-invalid', String(!name));
      note.setAttribute('aria-invalid', String(!text));
      if (problems.length) {
        errorEl.hidden = false;
        replace(errorEl, problems.join(' '));
        (name ? note : clinician).focus();
        return;
      }
      const reference = /^Practitioner\/[A-Za-z0-9\-.]{1,64}$/.test(name) ? name : byName.get(name);
      const author = reference
        ? { reference, ...(reference === name ? {} : { display: name }) }
        : { display: name };
      submit.disabled = true;
      /** @type {Promise<{ version?: string, acknowledgements: Ack[] }>} */ (
        postJson(`/api/ui/gaps/${encodeURIComponent(r.id)}/acknowledge`, {
          version: r.version,
          author,
          note: text,
        })
      )
        .then((saved) => {
          r.version = saved.version;
          r.acknowledgements = saved.acknowledgements;
          onSaved(saved.acknowledgements);
          close();
          announce(`Acknowledgement recorded for ${r.display}.`);
        })
        .catch((/** @type {unknown} */ err) => {
          submit.disabled = false;
          errorEl.hidden = false;
          const stale = err instanceof ApiError && (err.status === 412 || err.status === 409);
          replace(
            errorEl,
            err instanceof Error ? err.message : String(err),
            stale ? ' ' : null,
            stale
              ? h(
                  'button',
                  { type: 'button', class: 'link-button', onclick: () => void refresh() },
                  'Reload the worklist',
                )
              : null,
          );
        });
    });
    return form;
  };

  const form = filterForm(data.options, filter);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    /** @type {Record<string, string | undefined>} */
    const next = {};
    for (const k of FILTERS) {
      const v = fd.get(k);
      next[k] = typeof v === 'string' && v ? v : undefined;
    }
    filter = next;
    history.replaceState(null, '', `#/worklist${query(filter)}`);
    void refresh();
  });
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll('select, input')) /** @type {HTMLInputElement} */ (el).value = '';
    filter = {};
    history.replaceState(null, '', '#/worklist');
    void refresh();
  });

  const refresh = async () => {
    results.setAttribute('aria-busy', 'true');
    try {
      const w = /** @type {Worklist} */ (await getJson('/api/ui/worklist', filter));
      announce(showResults(w));
    } catch (err) {
      replace(results, errorBox(err));
    } finally {
      results.removeAttribute('aria-busy');
    }
  };

  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Open documentation gaps'),
    h(
      'p',
      { class: 'lede' },
      'Each gap says what to document so that the drug can be billed. Fix the documentation in the EHR; vialwise closes the gap when it re-evaluates the encounter. Acknowledge a gap to tell billing you are on it.',
    ),
    notices,
    form,
    h(
      'div',
      { class: 'toolbar' },
      summary,
      h(
        'button',
        { type: 'button', class: 'button button--secondary', onclick: () => void refresh() },
        'Refresh',
      ),
    ),
    results,
    h(
      'datalist',
      { id: 'practitioner-names' },
      practitioners.practitioners.map((p) => h('option', { value: p.display })),
    ),
  );
  showResults(data);
}

/**
 * @param {Options} options
 * @param {Record<string, string | undefined>} filter
 */
function filterForm(options, filter) {
  const severity = select(
    'severity',
    [
      { value: '', label: 'Any severity' },
      ...options.severities.map((s) => ({ value: s, label: s[0]?.toUpperCase() + s.slice(1) })),
    ],
    filter['severity'],
  );
  const code = select(
    'code',
    [
      { value: '', label: 'Any gap' },
      ...options.codes.map((c) => ({ value: c.code, label: `${c.display} (${c.count})` })),
    ],
    filter['code'],
  );
  const patient = select(
    'patient',
    [{ value: '', label: 'Any patient' }, ...options.patients.map((p) => ({ value: p.id, label: p.name }))],
    filter['patient'],
  );
  const encounter = select(
    'encounter',
    [{ value: '', label: 'Any encounter' }, ...options.encounters.map((e) => ({ value: e, label: e }))],
    filter['encounter'],
  );
  const acknowledged = select(
    'acknowledged',
    [
      { value: '', label: 'All open gaps' },
      { value: 'no', label: 'Not acknowledged yet' },
      { value: 'yes', label: 'Acknowledged' },
    ],
    filter['acknowledged'],
  );
  const from = h('input', { type: 'date', name: 'from', value: filter['from'] ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: filter['to'] ?? '' });
  return h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the worklist' },
    h('h2', { class: 'visually-hidden' }, 'Filters'),
    h(
      'div',
      { class: 'filters__grid' },
      field('f-severity', 'Severity', severity),
      field('f-code', 'Gap', code),
      field('f-from', 'Date of service from', from),
      field('f-to', 'Date of service to', to),
      field('f-patient', 'Patient', patient),
      field('f-encounter', 'Encounter', encounter),
      field('f-acknowledged', 'Acknowledgement', acknowledged),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button' }, 'Apply filters'),
      h('button', { type: 'reset', class: 'button button--secondary' }, 'Clear filters'),
    ),
  );
}
