/**
 * Building the page without innerHTML: every text from the server goes in as a text node, so
 * nothing a FHIR resource says can become markup. Plus formatting shared by the views.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * What can go inside an element: nodes, text, numbers, nested lists; null, undefined and false
 * are skipped.
 * @typedef {Node | string | number | null | undefined | false | ChildList} Child
 * @typedef {{ readonly [i: number]: Child, readonly length: number }} ChildList
 */

/**
 * @param {Element} el
 * @param {ChildList} children
 */
function append(el, children) {
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    if (c === null || c === undefined || c === false) continue;
    if (c instanceof Node) el.appendChild(c);
    else if (typeof c === 'string' || typeof c === 'number')
      el.appendChild(document.createTextNode(String(c)));
    else append(el, c);
  }
}

/**
 * Attribute values: `true` sets an empty attribute, `false`, null and undefined leave it out,
 * functions under `on<event>` names become listeners.
 * @typedef {string | number | boolean | null | undefined | ((event: Event) => void)} AttrValue
 * @typedef {Record<string, AttrValue>} Attrs
 */

/**
 * @param {Element} el
 * @param {Attrs | null | undefined} attrs
 */
function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') {
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

/**
 * An HTML element. Attributes named `on<event>` with a function value become listeners.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {SVGElement}
 */
export function s(tag, attrs, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * Replaces an element's content.
 * @param {Element} el
 * @param {...Child} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const intFormat = new Intl.NumberFormat('en-US');

/** @param {number | undefined} n */
export function usd(n) {
  return n === undefined || n === null ? '—' : usdFormat.format(n);
}

/** @param {number | undefined} n */
export function int(n) {
  return n === undefined || n === null ? '—' : intFormat.format(n);
}

/**
 * The calendar day of a FHIR instant or dateTime, as written.
 * @param {string | undefined} iso
 */
export function day(iso) {
  return iso ? iso.slice(0, 10) : '—';
}

/**
 * `2026-11-27 05:27 UTC` for instants the service wrote (identified, acknowledged, closed).
 * @param {string | undefined} iso
 */
export function instantText(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/**
 * A `<time>` element with the machine-readable value.
 * @param {string | undefined} iso
 * @param {string} [text]
 */
export function time(iso, text) {
  if (!iso) return h('span', null, text ?? '—');
  return h('time', { datetime: iso }, text ?? iso);
}

const SEVERITY_LABEL = /** @type {Record<string, string>} */ ({
  high: 'High',
  moderate: 'Moderate',
  low: 'Low',
});

/** @param {string} severity */
export function severityBadge(severity) {
  return h(
    'span',
    { class: `badge badge--${SEVERITY_LABEL[severity] ? severity : 'moderate'}` },
    SEVERITY_LABEL[severity] ?? severity,
  );
}

/** Says something to screen-reader users without moving focus. */
/** @param {string} message */
export function announce(message) {
  const el = document.getElementById('announcer');
  if (!el) return;
  // Clearing first makes the same message be read again.
  el.textContent = '';
  window.setTimeout(() => {
    el.textContent = message;
  }, 50);
}

/**
 * The page's illustrative-price notice, when the figures rest on demo prices.
 * @param {string | undefined} note
 */
export function priceNotice(note) {
  if (!note) return null;
  return h(
    'p',
    { class: 'notice notice--illustrative', role: 'note' },
    h('strong', null, 'Illustrative prices. '),
    `Money figures on this page use ${note}.`,
  );
}

/**
 * A labelled form field: `<label>` tied to the control by id, with optional help text.
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [help]
 */
export function field(id, label, control, help) {
  control.id = id;
  const helpId = help ? `${id}-help` : undefined;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    help ? h('p', { id: helpId, class: 'help' }, help) : null,
  );
}

/**
 * A `<select>` with options; `selected` picks the current value.
 * @param {string} name
 * @param {readonly { value: string, label: string }[]} options
 * @param {string | undefined} selected
 */
export function select(name, options, selected) {
  return h(
    'select',
    { name },
    options.map((o) => h('option', { value: o.value, selected: o.value === (selected ?? '') }, o.label)),
  );
}

/**
 * What a failed request means for the user, in words: the service's own message (it never passes
 * on the FHIR server's), with what to do when the cause is known.
 * @param {unknown} err
 * @returns {{ title: string, text: string }}
 */
export function problem(err) {
  const message = err instanceof Error ? err.message : String(err);
  const status = /** @type {{ status?: unknown }} */ (err)?.status;
  if (status === 503)
    return {
      title: 'The FHIR server is not answering.',
      text: 'Nothing was changed. Try again in a moment.',
    };
  if (status === 400) return { title: 'Check what you entered.', text: message };
  if (status === 404) return { title: 'Not found.', text: message };
  if (status === 409 || status === 412) return { title: 'Changed since you loaded it.', text: message };
  if (typeof status === 'number' && status >= 500)
    return { title: 'The service could not do this.', text: `${message} Try again in a moment.` };
  if (typeof status !== 'number')
    return { title: 'The service could not be reached.', text: 'Check the connection and try again.' };
  return { title: 'This did not work.', text: message };
}

/**
 * An error box for a failed request.
 * @param {unknown} err
 */
export function errorBox(err) {
  const p = problem(err);
  return h('div', { class: 'notice notice--error', role: 'alert' }, h('strong', null, p.title), ' ', p.text);
}

/**
 * A visible confirmation. Put it in a live region (or also `announce` it): a status element
 * added to the page is not reliably read out on its own.
 * @param {string} text
 * @param {...Child} more
 */
export function successBox(text, ...more) {
  return h('div', { class: 'notice notice--success' }, h('strong', null, text), ...more);
}

/**
 * A table cell that says what it holds when the table is shown as cards on small screens
 * (styles.css, `.cards`).
 * @param {string} label
 * @param {Attrs | null} attrs
 * @param {...Child} children
 */
export function cell(label, attrs, ...children) {
  return h('td', { ...(attrs ?? {}), 'data-label': label }, h('div', { class: 'cell' }, ...children));
}

/**
 * A row's header cell (`<th scope="row">`) that is labelled on cards like `cell`.
 * @param {string} label
 * @param {Attrs | null} attrs
 * @param {...Child} children
 */
export function rowHeader(label, attrs, ...children) {
  return h(
    'th',
    { ...(attrs ?? {}), scope: 'row', 'data-label': label },
    h('div', { class: 'cell' }, ...children),
  );
}

/**
 * `n thing` or `n things`.
 * @param {number} n
 * @param {string} word
 * @param {string} [many]
 */
export function plural(n, word, many) {
  return `${int(n)} ${n === 1 ? word : (many ?? `${word}s`)}`;
}
