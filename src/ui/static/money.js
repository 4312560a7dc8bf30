/**
 * Amounts with their basis in words (docs/ui.md, "Money and its basis"): under every amount the
 * CMS quarter that priced it and what kind of figure it is (estimate, earlier quarter, suspect
 * limit, hospital charge, illustrative), and a legend on each view that says what those words
 * mean. Visible text, not tooltips: a phone has no hover.
 */
import { h, usd } from './dom.js';

/**
 * @typedef {import('../contract.ts').PriceBasis} PriceBasis
 */

/**
 * The quarters in short: `2026Q1`, `2025Q4 and 2026Q1`, `2024Q1 to 2026Q1`.
 * @param {readonly string[]} quarters
 */
function quarterSpan(quarters) {
  if (quarters.length <= 2) return quarters.join(' and ');
  return `${quarters[0]} to ${quarters[quarters.length - 1]}`;
}

/**
 * The few words under an amount: `CMS 2026Q1 · estimate · earlier quarter`.
 * @param {PriceBasis | undefined} basis
 * @returns {string[]}
 */
export function basisWords(basis) {
  if (!basis || !basis.sources.length) return [];
  const words = [];
  if (basis.illustrative) words.push('ILLUSTRATIVE, not real money');
  const charge = basis.sources.includes('chargemaster');
  if (charge) words.push('hospital charge');
  // A sum of charges and limits standing in for charges: "partly" says which part is which.
  if (basis.sources.includes('payment-limit'))
    words.push(
      `${charge ? 'partly ' : ''}${basis.quarters.length ? `CMS ${quarterSpan(basis.quarters)} limit` : 'CMS limit'}`,
    );
  if (basis.estimate) words.push('estimate');
  if (basis.earlierFor.length) words.push('earlier quarter');
  if (basis.suspect.length) words.push('suspect limit');
  return words;
}

/**
 * The basis as a line of small text (null when the amount has none).
 * @param {PriceBasis | undefined} basis
 */
export function basisLine(basis) {
  const words = basisWords(basis);
  if (!words.length) return null;
  return h(
    'span',
    {
      class: `basis${basis?.illustrative ? ' basis--illustrative' : ''}${basis?.suspect.length ? ' basis--suspect' : ''}`,
    },
    words.join(' · '),
  );
}

/**
 * An amount and its basis under it. Illustrative amounts say so in the amount itself.
 * @param {number | undefined} n
 * @param {PriceBasis | undefined} basis
 * @param {string} [missing] what to say without an amount
 */
export function amount(n, basis, missing = 'not estimated') {
  if (n === undefined || n === null) return h('span', { class: 'muted' }, missing);
  const illustrative = !!basis?.illustrative;
  return h(
    'span',
    { class: 'money' },
    h(
      'span',
      { class: illustrative ? 'amount amount--illustrative' : 'amount' },
      illustrative ? `${usd(n)} (illustrative)` : usd(n),
    ),
    basisLine(basis),
  );
}

/**
 * What the words under the amounts mean, for the amounts of one view together.
 * @param {PriceBasis | undefined} basis
 * @param {string} [id]
 */
export function basisLegend(basis, id = 'price-basis') {
  if (!basis || !basis.sources.length) return null;
  /** @type {(string | HTMLElement)[][]} */
  const items = [];
  if (basis.illustrative)
    items.push([
      h('strong', null, 'ILLUSTRATIVE'),
      ': demo prices, not CMS payment limits or the hospital’s charges. Not real money: do not report or bill these amounts.',
    ]);
  if (basis.sources.includes('payment-limit'))
    items.push([
      h(
        'strong',
        null,
        `CMS ${basis.quarters.length ? quarterSpan(basis.quarters) : ''} limit`.replace('  ', ' '),
      ),
      `: the Medicare Part B payment limit per billing unit published by CMS for ${
        basis.quarters.length === 1 ? `calendar quarter ${basis.quarters[0]}` : 'the quarter named'
      } (ASP pricing file), times the units.`,
    ]);
  if (basis.sources.includes('chargemaster'))
    items.push([
      h('strong', null, 'Hospital charge'),
      ': the gross charge of the hospital’s chargemaster (its price transparency file).',
    ]);
  if (basis.estimate)
    items.push([
      h('strong', null, 'Estimate'),
      ': a CMS payment limit stands in for the hospital’s charge, or values what the gap puts at risk; what the payer pays can differ.',
    ]);
  if (basis.earlierFor.length)
    items.push([
      h('strong', null, 'Earlier quarter'),
      `: the dates of service are in ${quarterSpan(basis.earlierFor)}, whose CMS limits are not loaded; the latest loaded quarter’s (${basis.quarters[basis.quarters.length - 1] ?? ''}) stand in until they are.`,
    ]);
  if (basis.suspect.length)
    items.push([
      h('strong', null, 'Suspect limit'),
      `: CMS’s published limit for ${basis.suspect.join(', ')} is about ten times off both neighbouring quarters; it is used as published, but check it before acting on the amount.`,
    ]);
  return h(
    'div',
    { class: `basis-legend${basis.illustrative ? ' basis-legend--illustrative' : ''}`, role: 'note', id },
    h('p', { class: 'basis-legend__title' }, 'How the amounts on this page are priced'),
    h(
      'ul',
      null,
      items.map((parts) => h('li', null, parts)),
    ),
  );
}

/**
 * The bases of several figures as one, for a view's legend.
 * @param {readonly PriceBasis[]} bases
 * @returns {PriceBasis}
 */
export function combineBases(bases) {
  /** @param {(b: PriceBasis) => readonly string[]} pick */
  const all = (pick) => [...new Set(bases.flatMap((b) => [...pick(b)]))].sort();
  return {
    sources: /** @type {PriceBasis['sources']} */ (all((b) => b.sources)),
    quarters: all((b) => b.quarters),
    earlierFor: all((b) => b.earlierFor),
    suspect: all((b) => b.suspect),
    estimate: bases.some((b) => b.estimate),
    illustrative: bases.some((b) => b.illustrative),
    label: '',
    flags: [],
  };
}
