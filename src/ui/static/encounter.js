/**
 * One Encounter side by side: what the documentation gives now (derived lines), the Claim draft
 * on the FHIR server, the charges billing posted, and the gaps, with a button that has the
 * service re-evaluate the Encounter and write back.
 */
import { ApiError, getJson, postJson } from './api.js';
import {
  announce,
  cell,
  rowHeader,
  day,
  errorBox,
  h,
  instantText,
  int,
  plural,
  priceNotice,
  replace,
  severityBadge,
  successBox,
  time,
  usd,
} from './dom.js';
import { amount, basisLegend, basisWords } from './money.js';

/**
 * @typedef {import('../contract.ts').LineView} Line
 * @typedef {import('../contract.ts').EncounterView} View
 * @typedef {import('../contract.ts').EvaluateResult} EvaluateResult
 */

const STATE_LABEL = /** @type {Record<string, string>} */ ({
  open: 'Open',
  closed: 'Closed',
  'entered-in-error': 'Entered in error',
  'not-written': 'Found now, not yet written',
});

/**
 * @param {string} caption
 * @param {readonly Line[]} lines
 * @param {boolean} illustrative
 */
function linesTable(caption, lines, illustrative) {
  if (!lines.length) return h('p', { class: 'empty' }, 'No billable lines.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'compact cards' },
      h('caption', null, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Code', h('span', { class: 'visually-hidden' }, ' and modifiers')),
          h('th', { scope: 'col', class: 'num' }, 'Units'),
          h('th', { scope: 'col' }, 'Date', h('span', { class: 'visually-hidden' }, ' of service')),
          h('th', { scope: 'col' }, 'NDC', h('span', { class: 'visually-hidden' }, ' and NDC quantity')),
          h('th', { scope: 'col', class: 'num' }, illustrative ? 'Net (illustrative)' : 'Net'),
        ),
      ),
      h(
        'tbody',
        null,
        lines.map((l) =>
          h(
            'tr',
            null,
            rowHeader('Code', { class: 'nowrap' }, h('code', null, [l.code, ...l.modifiers].join('-'))),
            cell('Units', { class: 'num' }, int(l.units)),
            cell('Date of service', { class: 'nowrap' }, l.dateOfService ?? '—'),
            cell(
              'NDC',
              null,
              l.ndc
                ? [h('span', { class: 'nowrap' }, l.ndc), h('span', { class: 'sub' }, l.ndcQuantity ?? '?')]
                : h('span', { class: 'muted' }, 'none'),
            ),
            cell(
              illustrative ? 'Net (illustrative)' : 'Net',
              { class: 'num' },
              amount(l.net, l.basis, 'not priced'),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * `$1,296.93 (CMS 2026Q1 limit, estimate)`.
 * @param {number} n
 * @param {string[]} words
 */
function amountText(n, words) {
  const text = usd(n);
  return words.length ? `${text} (${words.join(', ')})` : text;
}

/**
 * @param {import('./app.js').ViewContext} ctx
 */
export async function renderEncounter(ctx) {
  const { main, route, signal } = ctx;
  const id = route.id ?? '';
  document.title = `Encounter ${id} – vialwise`;
  /** @type {View} */
  let v;
  try {
    v = /** @type {View} */ (await getJson(`/api/ui/encounters/${encodeURIComponent(id)}`));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    if (signal.aborted) return;
    document.title = 'Encounter not found – vialwise';
    replace(
      main,
      h('p', { class: 'breadcrumb' }, h('a', { href: '#/worklist' }, '← Worklist')),
      h('h1', { tabindex: '-1' }, 'Encounter not found'),
      h(
        'p',
        { class: 'notice notice--warning', role: 'note', id: 'not-found' },
        `The FHIR server has no encounter “${id}”. The link may be mistyped, or the encounter was deleted or merged in the EHR.`,
      ),
      h('p', null, h('a', { href: '#/worklist' }, 'Back to the worklist')),
    );
    return;
  }
  if (signal.aborted) return;
  const status = h(
    'div',
    { class: 'reevaluate-status', id: 'reevaluate-status' },
    ctx.flash ? successBox(ctx.flash) : null,
  );
  const reevaluate = h('button', { type: 'button', class: 'button', id: 'reevaluate' }, 'Re-evaluate now');
  reevaluate.addEventListener('click', () => {
    reevaluate.disabled = true;
    replace(status, h('p', { class: 'muted', role: 'status' }, 'Re-evaluating…'));
    /** @type {Promise<EvaluateResult>} */ (postJson(`/api/encounters/${encodeURIComponent(id)}/evaluate`))
      .then((r) => {
        const at = new Date().toISOString().slice(11, 16);
        const gaps = r.evaluation.gaps.length;
        const flash = `Re-evaluated at ${at} UTC: ${r.writes ? `${plural(r.writes, 'change')} written to the FHIR server` : 'nothing needed writing'}; ${gaps ? `${plural(gaps, 'gap')} open` : 'no gap open'}.`;
        // The view is rebuilt with the new state; it shows the confirmation and keeps focus on the button.
        announce(flash);
        ctx.navigate(window.location.hash, { focus: '#reevaluate', flash });
      })
      .catch((/** @type {unknown} */ err) => {
        reevaluate.disabled = false;
        replace(status, errorBox(err));
      });
  });

  const e = v.encounter;
  const claim = v.claim;
  replace(
    main,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/worklist' }, '← Worklist')),
    h('h1', { tabindex: '-1' }, `Encounter ${e.id}`),
    h(
      'dl',
      { class: 'facts facts--header' },
      v.patient ? h('div', null, h('dt', null, 'Patient'), h('dd', null, v.patient.name)) : null,
      h('div', null, h('dt', null, 'Class'), h('dd', null, e.class ?? '—')),
      h('div', null, h('dt', null, 'Status'), h('dd', null, e.status ?? '—')),
      h(
        'div',
        null,
        h('dt', null, 'Period'),
        h(
          'dd',
          null,
          time(e.start, e.startText ?? (e.start ?? '—').replace('T', ' ').slice(0, 16)),
          ' to ',
          time(e.end, e.endText ?? (e.end ?? '—').replace('T', ' ').slice(0, 16)),
        ),
      ),
      h(
        'div',
        null,
        h('dt', null, 'Payer'),
        h(
          'dd',
          null,
          v.payerCategory
            ? v.payerCategory[0]?.toUpperCase() + v.payerCategory.slice(1)
            : 'No active coverage',
        ),
      ),
      h(
        'div',
        null,
        h('dt', null, 'Diagnoses'),
        h(
          'dd',
          null,
          v.diagnoses.length
            ? v.diagnoses.map((d) => `${d.code}${d.display ? ` ${d.display}` : ''}`).join('; ')
            : h('em', null, 'none linked'),
        ),
      ),
    ),
    priceNotice(v.priceNote),
    basisLegend(v.basis, 'encounter-basis'),
    h(
      'div',
      { class: 'encounter-actions' },
      reevaluate,
      h(
        'p',
        { class: v.inSync ? 'muted' : 'notice notice--warning', role: v.inSync ? null : 'note' },
        v.inSync
          ? 'The Claim draft and the open gaps on the FHIR server match the documentation as it is now.'
          : 'The documentation changed since the last evaluation: the Claim draft or the gaps on the FHIR server differ from what it gives now. Re-evaluate to write the changes.',
      ),
      status,
    ),
    h(
      'section',
      { 'aria-labelledby': 'admins-h' },
      h('h2', { id: 'admins-h' }, 'Administrations'),
      v.administrations.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'compact cards' },
              h('caption', null, 'Drug administrations documented in this encounter'),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['Drug', 'Dose', 'Route', 'Time', 'Status', 'Performer'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                null,
                v.administrations.map((a) =>
                  h(
                    'tr',
                    null,
                    rowHeader('Drug', null, a.drug),
                    cell('Dose', null, a.dose ?? h('em', null, 'not documented')),
                    cell('Route', null, a.route ?? h('em', null, 'not documented')),
                    cell('Time', null, a.time ? time(a.start, a.time) : h('em', null, 'not documented')),
                    cell('Status', null, a.status ?? '—'),
                    cell('Performer', null, a.performer ?? h('em', null, 'not documented')),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'empty' }, 'No administrations.'),
    ),
    h(
      'div',
      { class: 'side-by-side side-by-side--three' },
      h(
        'section',
        { 'aria-labelledby': 'derived-h', class: 'panel' },
        h('h2', { id: 'derived-h' }, 'Derived lines'),
        h('p', { class: 'muted' }, 'What the documentation gives now (evaluated without writing).'),
        linesTable(
          'Lines derived from the documentation now',
          v.derivedLines,
          v.derivedLines.some((l) => l.illustrative),
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'claim-h', class: 'panel' },
        h('h2', { id: 'claim-h' }, 'Claim draft'),
        claim
          ? [
              h(
                'p',
                { class: 'muted' },
                `Claim/${claim.id}, status ${claim.status}, created ${day(claim.created)}`,
                claim.total !== undefined
                  ? `, total ${amountText(claim.total, basisWords(claim.totalBasis))}`
                  : '',
              ),
              linesTable(
                'Lines on the Claim on the FHIR server',
                claim.lines,
                claim.lines.some((l) => l.illustrative),
              ),
            ]
          : h(
              'p',
              { class: 'empty' },
              'No Claim on the FHIR server (none is drafted without coverage or billable lines).',
            ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'charges-h', class: 'panel' },
        h('h2', { id: 'charges-h' }, 'Posted charges'),
        h('p', { class: 'muted' }, 'ChargeItems the billing system posted.'),
        v.charges.length
          ? h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'compact cards' },
                h('caption', null, 'ChargeItems posted for this encounter'),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    ['Code', 'Units', 'Date', 'Status'].map((t) =>
                      h('th', { scope: 'col', class: t === 'Units' ? 'num' : null }, t),
                    ),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  v.charges.map((c) =>
                    h(
                      'tr',
                      null,
                      rowHeader(
                        'Code',
                        { class: 'nowrap' },
                        h('code', null, [c.code ?? '?', ...c.modifiers].join('-')),
                      ),
                      cell('Units', { class: 'num' }, int(c.units)),
                      cell('Date', { class: 'nowrap' }, c.date ?? '—'),
                      cell('Status', null, c.status ?? '—'),
                    ),
                  ),
                ),
              ),
            )
          : h('p', { class: 'empty' }, 'No charges posted.'),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'gaps-h' },
      h('h2', { id: 'gaps-h' }, 'Documentation gaps'),
      v.gaps.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'cards' },
              h('caption', null, 'Gaps of this encounter: open ones first, then closed ones'),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', { scope: 'col' }, 'Gap'),
                  h('th', { scope: 'col' }, 'State'),
                  h('th', { scope: 'col' }, 'What to document'),
                  h(
                    'th',
                    { scope: 'col', class: 'num' },
                    v.pricesIllustrative ? 'At risk (illustrative)' : 'At risk',
                  ),
                  h('th', { scope: 'col' }, 'History'),
                ),
              ),
              h(
                'tbody',
                null,
                v.gaps.map((g) =>
                  h(
                    'tr',
                    { 'data-state': g.state },
                    rowHeader(
                      'Gap',
                      { class: 'gap' },
                      severityBadge(g.severity),
                      ' ',
                      h('span', { class: 'gap__name' }, g.display),
                      h('code', { class: 'gap__code' }, g.code),
                    ),
                    cell(
                      'State',
                      null,
                      h('span', { class: `state state--${g.state}` }, STATE_LABEL[g.state] ?? g.state),
                    ),
                    cell('What to document', null, g.detail),
                    cell(
                      v.pricesIllustrative ? 'At risk (illustrative)' : 'At risk',
                      { class: 'num' },
                      amount(g.revenueAtRisk, g.atRiskBasis),
                    ),
                    cell(
                      'History',
                      null,
                      h(
                        'ul',
                        { class: 'history' },
                        g.identified ? h('li', null, `Opened ${instantText(g.identified)}`) : null,
                        g.acknowledgements.map((a) =>
                          h(
                            'li',
                            null,
                            `Acknowledged by ${a.author ?? 'a clinician'} ${instantText(a.date)}${a.note ? `: ${a.note}` : ''}`,
                          ),
                        ),
                        g.closed
                          ? h('li', null, `Closed ${instantText(g.closed)} (documentation fixed)`)
                          : null,
                      ),
                    ),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'empty' }, 'No documentation gaps for this encounter.'),
    ),
  );
}
