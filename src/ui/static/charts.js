/**
 * Charts without a library or the network: bars per date of service as an inline SVG drawn at
 * the width it is shown at (so its text stays 12 px on a phone instead of shrinking with a
 * viewBox), and bar lists (a table whose last cell carries a bar). Each chart is one described
 * image for assistive technology, with its numbers in a table; colour is never the only cue.
 */
import { h, replace, s } from './dom.js';

/**
 * @typedef {import('../contract.ts').DosPoint} DosPoint
 * @typedef {import('../contract.ts').Dashboard['series']} Series
 * @typedef {{ key: string, className: string, label: string }} Layer
 */

const HEIGHT = 240;
const MARGIN = { top: 14, right: 12, bottom: 30, left: 44 };
/** Room one date label needs at 12 px (`2026-11-17`), with a gap. */
const LABEL_WIDTH = 84;
/** Width of one character of a 12 px label, a little over the average of system sans-serif fonts. */
const CHAR_WIDTH = 7.2;

/** @param {number} max */
function ticks(max) {
  const top = Math.max(1, max);
  const step = Math.max(1, Math.ceil(top / 4));
  const out = [];
  for (let v = 0; v <= top + step - 1; v += step) out.push(v);
  return out;
}

/**
 * @param {Series['bucket']} bucket
 * @param {string} date
 */
function bucketLabel(bucket, date) {
  return bucket === 'month' ? date.slice(0, 7) : date;
}

/**
 * @param {Series['bucket']} bucket
 */
function perText(bucket) {
  return bucket === 'week'
    ? 'week of service (weeks start on Monday)'
    : bucket === 'month'
      ? 'month of service'
      : 'date of service';
}

/**
 * Stacked bars per bucket, drawn for one width.
 * @param {{ series: Series, layers: readonly Layer[], width: number, titleId: string, descId: string,
 *   title: string, description: string }} o
 */
function drawBars(o) {
  const points = o.series.points;
  const total = (/** @type {DosPoint} */ p) =>
    o.layers.reduce((n, l) => n + /** @type {number} */ (p[/** @type {keyof DosPoint} */ (l.key)]), 0);
  const yTicks = ticks(Math.max(0, ...points.map(total)));
  const yMax = yTicks.at(-1) ?? 1;
  const width = Math.max(240, Math.floor(o.width));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotW / Math.max(1, points.length);
  const bar = Math.max(1, Math.min(28, slot * 0.7));
  const y = (/** @type {number} */ v) => MARGIN.top + plotH - (v / yMax) * plotH;
  const labelEvery = Math.max(1, Math.ceil(LABEL_WIDTH / slot));
  /** Right edge of the last date label drawn: the next one must start beyond it. */
  let lastRight = -Infinity;
  /**
   * A date label under its bar, moved inside the chart at the edges, left out if it would touch
   * the previous one.
   * @param {number} i
   * @param {number} x
   * @param {string} text
   */
  const dateLabel = (i, x, text) => {
    if (i % labelEvery !== 0) return null;
    const w = text.length * CHAR_WIDTH;
    const left = Math.min(Math.max(2, x - w / 2), width - 2 - w);
    if (left < lastRight + 8) return null;
    lastRight = left + w;
    return s(
      'text',
      { x: left, y: HEIGHT - MARGIN.bottom + 18, 'text-anchor': 'start', class: 'chart__label' },
      text,
    );
  };
  return s(
    'svg',
    {
      class: 'chart',
      width: String(width),
      height: String(HEIGHT),
      viewBox: `0 0 ${width} ${HEIGHT}`,
      role: 'img',
      'aria-labelledby': `${o.titleId} ${o.descId}`,
    },
    s('title', { id: o.titleId }, o.title),
    s('desc', { id: o.descId }, o.description),
    yTicks.map((t) =>
      s(
        'g',
        null,
        s('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(t), y2: y(t), class: 'chart__grid' }),
        s(
          'text',
          { x: MARGIN.left - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'chart__label' },
          String(t),
        ),
      ),
    ),
    s('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(0), y2: y(0), class: 'chart__axis' }),
    points.map((p, i) => {
      const x = MARGIN.left + i * slot + slot / 2;
      let base = 0;
      const label = bucketLabel(o.series.bucket, p.date);
      return s(
        'g',
        null,
        o.layers.map((l) => {
          const v = /** @type {number} */ (p[/** @type {keyof DosPoint} */ (l.key)]);
          const rect = s(
            'rect',
            { x: x - bar / 2, y: y(base + v), width: bar, height: y(base) - y(base + v), class: l.className },
            s('title', null, `${label}: ${v} ${l.label.toLowerCase()}`),
          );
          base += v;
          return v ? rect : null;
        }),
        dateLabel(i, x, label),
      );
    }),
  );
}

/**
 * A bar chart per date of service that redraws when its width changes.
 * @param {{ id: string, title: string, series: Series, layers: readonly Layer[], unit: string }} o
 */
export function dosChart(o) {
  const points = o.series.points;
  const first = points[0]?.date;
  const last = points.at(-1)?.date;
  const totals = o.layers.map((l) => ({
    l,
    n: points.reduce((n, p) => n + /** @type {number} */ (p[/** @type {keyof DosPoint} */ (l.key)]), 0),
  }));
  const description = points.length
    ? `Bar chart of ${o.unit} per ${perText(o.series.bucket)}, from ${first} to ${last}: ${totals
        .map((t) => `${t.n} ${t.l.label.toLowerCase()}`)
        .join(', ')}. The table under it lists the same numbers.`
    : `Nothing in this range.`;
  const frame = h('div', { class: 'chart-frame' });
  let drawn = 0;
  const draw = () => {
    const width = frame.clientWidth || 720;
    if (Math.abs(width - drawn) < 1) return;
    drawn = width;
    replace(
      frame,
      drawBars({
        series: o.series,
        layers: o.layers,
        width,
        titleId: `${o.id}-title`,
        descId: `${o.id}-desc`,
        title: o.title,
        description,
      }),
    );
  };
  // Drawn once attached (its width is known then), and again whenever the width changes.
  new ResizeObserver(() => window.requestAnimationFrame(draw)).observe(frame);
  const legend = h(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    o.layers.map((l) =>
      h(
        'li',
        null,
        s(
          'svg',
          { class: 'legend__swatch', width: '12', height: '12' },
          s('rect', { width: '12', height: '12', class: l.className }),
        ),
        l.label,
      ),
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
        h('caption', null, `${o.title} (${perText(o.series.bucket)})`),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h(
              'th',
              { scope: 'col' },
              o.series.bucket === 'week'
                ? 'Week of'
                : o.series.bucket === 'month'
                  ? 'Month'
                  : 'Date of service',
            ),
            o.layers.map((l) => h('th', { scope: 'col', class: 'num' }, l.label)),
          ),
        ),
        h(
          'tbody',
          null,
          points.map((p) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, bucketLabel(o.series.bucket, p.date)),
              o.layers.map((l) =>
                h('td', { class: 'num' }, String(p[/** @type {keyof DosPoint} */ (l.key)])),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'chart-figure', id: o.id },
    points.length ? [frame, legend] : null,
    h('figcaption', { class: 'muted' }, description),
    points.length ? table : null,
  );
}

/**
 * A horizontal bar (decorative: the number is written beside it).
 * @param {number} value
 * @param {number} max
 */
export function bar(value, max) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return s(
    'svg',
    {
      class: 'bar',
      viewBox: '0 0 100 10',
      preserveAspectRatio: 'none',
      'aria-hidden': 'true',
      focusable: 'false',
    },
    s('rect', { x: 0, y: 0, width: 100, height: 10, class: 'bar__track' }),
    pct > 0 ? s('rect', { x: 0, y: 0, width: Math.max(0.8, pct), height: 10, class: 'bar__fill' }) : null,
  );
}
