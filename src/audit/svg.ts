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

export interface BarSegment {
  readonly label: string;
  readonly color: string;
}

export interface BarRow {
  readonly label: string;
  readonly sublabel?: string;
  /** One value per segment. */
  readonly values: readonly number[];
}

/** Horizontal stacked bars, one row per item, with the total at the end of each bar. */
export function horizontalBars(
  rows: readonly BarRow[],
  segments: readonly BarSegment[],
  format: (n: number) => string,
  title: string,
): string {
  const width = 760;
  const labelWidth = 250;
  const valueWidth = 110;
  const rowHeight = 34;
  const top = 34;
  const height = top + Math.max(rows.length, 1) * rowHeight + 10;
  const max = Math.max(1e-9, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const scale = (width - labelWidth - valueWidth) / max;
  const legend = segments
    .map((s, i) => {
      const x = labelWidth + i * 190;
      return `<rect x="${x}" y="6" width="12" height="12" fill="${s.color}"/><text x="${x + 18}" y="16" class="legend">${escapeXml(s.label)}</text>`;
    })
    .join('');
  const bars = rows
    .map((r, i) => {
      const y = top + i * rowHeight;
      let x = labelWidth;
      const parts = r.values
        .map((v, k) => {
          const w = Math.max(0, v * scale);
          const seg = `<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 12}" fill="${segments[k]?.color ?? '#999'}"><title>${escapeXml(`${r.label} ${segments[k]?.label ?? ''}: ${format(v)}`)}</title></rect>`;
          x += w;
          return seg;
        })
        .join('');
      const total = r.values.reduce((a, b) => a + b, 0);
      const sub = r.sublabel
        ? `<text x="${labelWidth - 10}" y="${y + 27}" class="sub" text-anchor="end">${escapeXml(truncate(r.sublabel, 40))}</text>`
        : '';
      return (
        `<text x="${labelWidth - 10}" y="${y + 15}" class="label" text-anchor="end">${escapeXml(r.label)}</text>${sub}` +
        parts +
        `<text x="${(x + 6).toFixed(1)}" y="${y + 19}" class="value">${escapeXml(format(total))}</text>`
      );
    })
    .join('');
  const empty = rows.length
    ? ''
    : `<text x="${width / 2}" y="${top + 20}" text-anchor="middle" class="sub">nothing to recover</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" class="chart">` +
    `<title>${escapeXml(title)}</title>${legend}${bars}${empty}</svg>`
  );
}

export interface Series {
  readonly label: string;
  readonly color: string;
  /** One value per column. */
  readonly values: readonly number[];
}

/** Vertical stacked columns over time, with a y axis and thinned x labels. */
export function stackedColumns(
  columns: readonly string[],
  series: readonly Series[],
  title: string,
  yLabel: string,
): string {
  const width = 760;
  const left = 48;
  const right = 10;
  const top = 14;
  const plotHeight = 200;
  const legendRows = Math.ceil(series.length / 3);
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
  const every = Math.max(1, Math.ceil(columns.length / 8));
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
      const lx = left + (i % 3) * 240;
      const ly = top + plotHeight + 34 + Math.floor(i / 3) * 20;
      return `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${s.color}"/><text x="${lx + 18}" y="${ly}" class="legend">${escapeXml(truncate(s.label, 34))}</text>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" class="chart">` +
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
