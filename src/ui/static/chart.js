/**
 * Gaps opened and closed over time as an inline SVG bar chart (no library, no network). The
 * SVG is one image for assistive technology, described in words; the same numbers follow it
 * as a table.
 */
import { h, s } from './dom.js';

/** @typedef {{ date: string, opened: number, closed: number }} Point */

const WIDTH = 760;
const HEIGHT = 280;
const MARGIN = { top: 16, right: 16, bottom: 56, left: 48 };
const MAX_LABELS = 10;

/** @param {number} max */
function ticks(max) {
  const top = Math.max(1, max);
  const step = Math.max(1, Math.ceil(top / 5));
  const out = [];
  for (let v = 0; v <= top + step - 1; v += step) out.push(v);
  return out;
}

/**
 * @param {{ bucket: 'day' | 'week', points: readonly Point[] }} series
 * @param {string} idPrefix
 */
export function gapsChart(series, idPrefix) {
  const points = series.points;
  const opened = points.reduce((n, p) => n + p.opened, 0);
  const closed = points.reduce((n, p) => n + p.closed, 0);
  const per = series.bucket === 'week' ? 'week (weeks start on Monday)' : 'day';
  const titleId = `${idPrefix}-title`;
  const descId = `${idPrefix}-desc`;
  const first = points[0]?.date;
  const last = points.at(-1)?.date;
  const description = points.length
    ? `Bar chart of documentation gaps opened and closed per ${per}, from ${first} to ${last}: ${opened} opened and ${closed} closed in total. The table below lists the same numbers.`
    : 'No gaps were opened or closed in this range.';

  const yTicks = ticks(Math.max(0, ...points.map((p) => Math.max(p.opened, p.closed))));
  const yMax = yTicks.at(-1) ?? 1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotW / Math.max(1, points.length);
  const bar = Math.max(2, Math.min(24, (slot - 4) / 2));
  const y = (/** @type {number} */ v) => MARGIN.top + plotH - (v / yMax) * plotH;
  const labelEvery = Math.max(1, Math.ceil(points.length / MAX_LABELS));

  const svg = s(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      preserveAspectRatio: 'xMidYMid meet',
    },
    s('title', { id: titleId }, `Gaps opened and closed per ${series.bucket}`),
    s('desc', { id: descId }, description),
    // Grid and y axis.
    yTicks.map((t) =>
      s(
        'g',
        null,
        s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(t), y2: y(t), class: 'chart__grid' }),
        s(
          'text',
          { x: MARGIN.left - 8, y: y(t) + 4, 'text-anchor': 'end', class: 'chart__label' },
          String(t),
        ),
      ),
    ),
    s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(0), y2: y(0), class: 'chart__axis' }),
    points.map((p, i) => {
      const x = MARGIN.left + i * slot + slot / 2;
      return s(
        'g',
        null,
        s(
          'rect',
          {
            x: x - bar - 1,
            y: y(p.opened),
            width: bar,
            height: y(0) - y(p.opened),
            class: 'chart__bar chart__bar--opened',
          },
          s('title', null, `${p.date}: ${p.opened} opened`),
        ),
        s(
          'rect',
          {
            x: x + 1,
            y: y(p.closed),
            width: bar,
            height: y(0) - y(p.closed),
            class: 'chart__bar chart__bar--closed',
          },
          s('title', null, `${p.date}: ${p.closed} closed`),
        ),
        i % labelEvery === 0
          ? s(
              'text',
              { x, y: HEIGHT - MARGIN.bottom + 18, 'text-anchor': 'middle', class: 'chart__label' },
              p.date.slice(5),
            )
          : null,
      );
    }),
    // Legend: colour plus a text label (colour is never the only cue).
    s(
      'g',
      { transform: `translate(${MARGIN.left}, ${HEIGHT - 18})` },
      s('rect', { x: 0, y: -10, width: 12, height: 12, class: 'chart__bar chart__bar--opened' }),
      s('text', { x: 18, y: 0, class: 'chart__label' }, 'Opened (left bar)'),
      s('rect', { x: 160, y: -10, width: 12, height: 12, class: 'chart__bar chart__bar--closed' }),
      s('text', { x: 178, y: 0, class: 'chart__label' }, 'Closed (right bar)'),
    ),
  );

  const table = h(
    'details',
    { class: 'chart-data' },
    h('summary', null, 'Chart data as a table'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'compact' },
        h('caption', null, `Gaps opened and closed per ${series.bucket}`),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, series.bucket === 'week' ? 'Week of' : 'Day'),
            h('th', { scope: 'col', class: 'num' }, 'Opened'),
            h('th', { scope: 'col', class: 'num' }, 'Closed'),
          ),
        ),
        h(
          'tbody',
          null,
          points.map((p) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, p.date),
              h('td', { class: 'num' }, String(p.opened)),
              h('td', { class: 'num' }, String(p.closed)),
            ),
          ),
        ),
      ),
    ),
  );
  return h('figure', { class: 'chart-figure' }, svg, h('figcaption', { class: 'muted' }, description), table);
}
