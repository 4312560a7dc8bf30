/**
 * Inline SVG charts for the HTML report: plain strings, no script, no external resource, so the
 * report opens from disk with no network.
 */

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Colour-blind-safe palette (Okabe-Ito), then greys. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#F0E442',
  '#000000',
  '#999999',
];

export interface Series {
  readonly label: string;
  readonly color: string;
  /** One value per column. */
  readonly values: readonly number[];
}

/**
 * Vertical stacked columns over time, with a y axis and thinned x labels. Two drawings: `wide`
 * (760 units across, for a desk) and `narrow` (340 across, one legend entry per row, fewer axis
 * labels), so that the text is never scaled below a readable size on a phone.
 */
export function stackedColumns(
  columns: readonly string[],
  series: readonly Series[],
  title: string,
  yLabel: string,
  variant: 'wide' | 'narrow' = 'wide',
): string {
  const narrow = variant === 'narrow';
  const width = narrow ? 340 : 760;
  const left = narrow ? 52 : 48;
  const right = 10;
  const top = 14;
  const plotHeight = narrow ? 170 : 200;
  const perRow = narrow ? 1 : 3;
  const legendRows = Math.ceil(series.length / perRow);
  const height = top + plotHeight + 40 + legendRows * 20;
  const totals = columns.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = niceMax(Math.max(1, ...totals));
  const step = (width - left - right) / Math.max(columns.length, 1);
  const barWidth = Math.max(1, step * 0.8);
  const y = (v: number) => top + plotHeight - (v / max) * plotHeight;
  const ticks = [0, max / 2, max]
    .map(
      (t) =>
        `<line x1="${left}" x2="${width - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/>` +
        `<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmtTick(t)}</text>`,
    )
    .join('');
  // Full dates are about 80 units wide: at most 3 labels fit the narrow drawing, 7 the wide one.
  const every = Math.max(1, Math.ceil(columns.length / (narrow ? 3 : 7)));
  const cols = columns
    .map((c, i) => {
      const x = left + i * step + (step - barWidth) / 2;
      let base = 0;
      const stack = series
        .map((s) => {
          const v = s.values[i] ?? 0;
          if (!v) return '';
          const rect = `<rect x="${x.toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${c} ${s.label}: ${v}`)}</title></rect>`;
          base += v;
          return rect;
        })
        .join('');
      const label =
        i % every === 0
          ? `<text x="${(x + barWidth / 2).toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle" class="tick">${escapeXml(c)}</text>`
          : '';
      return stack + label;
    })
    .join('');
  const legend = series
    .map((s, i) => {
      const lx = (narrow ? 12 : left) + (i % perRow) * 240;
      const ly = top + plotHeight + 34 + Math.floor(i / perRow) * 20;
      return `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${s.color}"/><text x="${lx + 18}" y="${ly}" class="legend">${escapeXml(truncate(s.label, 34))}</text>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" class="chart ${variant}">` +
    `<title>${escapeXml(title)}</title>` +
    `<text x="12" y="${top + plotHeight / 2}" transform="rotate(-90 12 ${top + plotHeight / 2})" text-anchor="middle" class="tick">${escapeXml(yLabel)}</text>` +
    `${ticks}<line x1="${left}" x2="${width - right}" y1="${y(0)}" y2="${y(0)}" class="axis"/>${cols}${legend}</svg>`
  );
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtTick(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
