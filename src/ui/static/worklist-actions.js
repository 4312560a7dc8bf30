/**
 * What people do to gaps from the worklist: acknowledge (a note on the DetectedIssue) and assign
 * (the gap's Task), for one gap or the selected ones. Every write carries the version the page
 * showed (`If-Match` on the server); each gap gets its own outcome, and the page says which
 * failed and why.
 */
import { postJson } from './api.js';
import { field, h, replace, successBox } from './dom.js';

/**
 * @typedef {import('../contract.ts').WorklistRow} Row
 * @typedef {import('../contract.ts').BulkOutcome} BulkOutcome
 * @typedef {import('../contract.ts').ActionOutcome} ActionOutcome
 * @typedef {import('../contract.ts').PractitionerOption} PractitionerOption
 * @typedef {{ reference?: string, display?: string }} PersonInput
 */

const PRACTITIONER_REF = /^Practitioner\/(?!\.+$)[A-Za-z0-9\-.]{1,64}$/;

/**
 * A person from what was typed: a Practitioner picked by name, `Practitioner/<id>`, or a name.
 * @param {string} typed
 * @param {ReadonlyMap<string, string>} byName display name -> reference
 * @returns {PersonInput}
 */
export function personFrom(typed, byName) {
  const reference = PRACTITIONER_REF.test(typed) ? typed : byName.get(typed);
  if (!reference) return { display: typed };
  return reference === typed ? { reference } : { reference, display: typed };
}

/**
 * A text field with the Practitioners of the FHIR server as suggestions.
 * @param {string} name
 * @param {string} [value]
 */
function personInput(name, value) {
  return h('input', {
    type: 'text',
    name,
    list: 'practitioner-names',
    autocomplete: 'off',
    maxlength: '200',
    value: value ?? '',
  });
}

/**
 * The list the person fields suggest from (one per page).
 * @param {readonly PractitionerOption[]} practitioners
 */
export function practitionerList(practitioners) {
  return h(
    'datalist',
    { id: 'practitioner-names' },
    practitioners.map((p) => h('option', { value: p.display })),
  );
}

/**
 * @param {HTMLFormElement} form
 * @param {() => void} close
 */
function closeOnEscape(form, close) {
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
}

/**
 * @param {HTMLInputElement | HTMLTextAreaElement} control
 * @param {boolean} bad
 */
function markInvalid(control, bad) {
  if (bad) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

/**
 * The acknowledge form, for one gap or several (`id`: the gap's, or `bulk`).
 * @param {{ id: string, title: string, submitLabel: string,
 *   onSubmit: (author: PersonInput, note: string) => Promise<void>, onClose: () => void,
 *   byName: ReadonlyMap<string, string> }} opts
 */
export function acknowledgeForm(opts) {
  const errorEl = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const clinician = personInput('clinician');
  clinician.setAttribute('autocomplete', 'name');
  const note = h('textarea', { name: 'note', rows: '3', maxlength: '2000' });
  const submit = h('button', { type: 'submit', class: 'button' }, opts.submitLabel);
  const form = h(
    'form',
    { class: 'action-form', 'aria-labelledby': `ack-title-${opts.id}`, novalidate: true },
    h('h2', { id: `ack-title-${opts.id}`, class: 'action-form__title' }, opts.title),
    field(
      `ack-clinician-${opts.id}`,
      'Clinician',
      clinician,
      'Your name as a Practitioner on the FHIR server (pick from the list), your own name, or Practitioner/<id>.',
    ),
    field(
      `ack-note-${opts.id}`,
      'Note',
      note,
      'What you did or will do about it, for example “Asked Dr Charlie to link the asthma diagnosis”.',
    ),
    errorEl,
    h(
      'div',
      { class: 'actions' },
      submit,
      h('button', { type: 'button', class: 'button button--secondary', onclick: opts.onClose }, 'Cancel'),
    ),
  );
  closeOnEscape(form, opts.onClose);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = clinician.value.trim();
    const text = note.value.trim();
    markInvalid(clinician, !name);
    markInvalid(note, !text);
    if (!name || !text) {
      errorEl.hidden = false;
      replace(
        errorEl,
        [!name ? 'Say who you are (Clinician).' : '', !text ? 'Write a note.' : ''].join(' ').trim(),
      );
      (name ? note : clinician).focus();
      return;
    }
    submit.disabled = true;
    errorEl.hidden = true;
    opts
      .onSubmit(personFrom(name, opts.byName), text)
      .catch((/** @type {unknown} */ err) => {
        errorEl.hidden = false;
        replace(errorEl, err instanceof Error ? err.message : String(err));
        clinician.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}

/**
 * The assign form, for one gap or several: a person, or nobody.
 * @param {{ id: string, title: string, current?: string,
 *   onSubmit: (owner: PersonInput | null) => Promise<void>, onClose: () => void,
 *   byName: ReadonlyMap<string, string> }} opts
 */
export function assignForm(opts) {
  const errorEl = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const owner = personInput('owner', opts.current);
  const submit = h('button', { type: 'submit', class: 'button' }, 'Assign');
  /** @param {PersonInput | null} person */
  const send = (person) => {
    submit.disabled = true;
    errorEl.hidden = true;
    opts
      .onSubmit(person)
      .catch((/** @type {unknown} */ err) => {
        errorEl.hidden = false;
        replace(errorEl, err instanceof Error ? err.message : String(err));
        owner.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  };
  const form = h(
    'form',
    { class: 'action-form', 'aria-labelledby': `assign-title-${opts.id}`, novalidate: true },
    h('h2', { id: `assign-title-${opts.id}`, class: 'action-form__title' }, opts.title),
    field(
      `assign-owner-${opts.id}`,
      'Assign to',
      owner,
      'A Practitioner on the FHIR server (pick from the list), a name, or Practitioner/<id>.',
    ),
    errorEl,
    h(
      'div',
      { class: 'actions' },
      submit,
      opts.current
        ? h(
            'button',
            { type: 'button', class: 'button button--secondary', onclick: () => send(null) },
            'Unassign',
          )
        : null,
      h('button', { type: 'button', class: 'button button--secondary', onclick: opts.onClose }, 'Cancel'),
    ),
  );
  closeOnEscape(form, opts.onClose);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = owner.value.trim();
    markInvalid(owner, !name);
    if (!name) {
      errorEl.hidden = false;
      replace(errorEl, 'Say whom to assign to.');
      owner.focus();
      return;
    }
    send(personFrom(name, opts.byName));
  });
  return form;
}

/**
 * @param {readonly Row[]} rows
 * @param {PersonInput} author
 * @param {string} note
 * @returns {Promise<BulkOutcome>}
 */
export function acknowledgeRows(rows, author, note) {
  return /** @type {Promise<BulkOutcome>} */ (
    postJson('/api/ui/gaps/acknowledge', {
      items: rows.map((r) => ({ id: r.id, version: r.version ?? '' })),
      author,
      note,
    })
  );
}

/**
 * @param {readonly Row[]} rows
 * @param {PersonInput | null} owner
 * @returns {Promise<BulkOutcome>}
 */
export function assignRows(rows, owner) {
  return /** @type {Promise<BulkOutcome>} */ (
    postJson('/api/ui/gaps/assign', {
      items: rows.map((r) => ({
        id: r.id,
        ...(r.assignment?.version
          ? { assignment: { id: r.assignment.id, version: r.assignment.version } }
          : {}),
      })),
      owner,
    })
  );
}

/**
 * A gap in words, for messages: `Missing route for Demo Patient-Clinic`.
 * @param {Row | undefined} row
 * @param {string} id
 */
export function gapName(row, id) {
  if (!row) return `Gap ${id}`;
  return `${row.display}${row.patient ? ` for ${row.patient.name}` : ''}`;
}

/**
 * What a (bulk) action did, in words: how many succeeded, and each failure with its reason.
 * @param {string} verb past tense: `acknowledged`, `assigned`
 * @param {BulkOutcome} outcome
 * @param {ReadonlyMap<string, Row>} rows
 * @returns {{ ok: boolean, text: string, failures: string[] }}
 */
export function outcomeText(verb, outcome, rows) {
  const failures = outcome.results
    .filter((r) => !r.ok)
    .map((r) => `${gapName(rows.get(r.id), r.id)}: ${r.message ?? 'not written'}`);
  const n = outcome.succeeded;
  const text = n ? `${n} gap${n === 1 ? '' : 's'} ${verb}.` : `No gap was ${verb}.`;
  return {
    ok: outcome.failed === 0,
    text: failures.length ? `${text} ${failures.length} could not be ${verb}:` : text,
    failures,
  };
}

/**
 * What a (bulk) action did, as the box the page shows.
 * @param {string} verb
 * @param {BulkOutcome} outcome
 * @param {ReadonlyMap<string, Row>} rows
 */
export function outcomeBox(verb, outcome, rows) {
  const o = outcomeText(verb, outcome, rows);
  return o.ok
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
      );
}

/**
 * The row after a write: the new version and acknowledgements, or the new assignment.
 * @param {Row} r
 * @param {import('../contract.ts').ActionOutcome} result
 * @returns {Row}
 */
export function updated(r, result) {
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
