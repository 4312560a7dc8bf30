/**
 * The report's stylesheet. Phone first: at 390 px the tiles wrap two to a row, the headline's
 * parts stack, bars put their label above the bar, the wide tables' rows become cards of labelled
 * values (below 640 px; the others scroll inside their own box if they must), and the
 * narrow drawing of the chart over time is shown (its text is drawn at 12-13 px for a 340 px
 * wide box, so it never renders below 11 px). From 900 px the wide drawing replaces it.
 */
export const STYLE = `
:root { --ink:#1d2733; --muted:#5b6775; --line:#d9dee4; --bg:#f6f7f9; --accent:#0072B2; --warn:#8a5a00; --warnbg:#fff4d6; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--ink); background:var(--bg); }
header, .banner, .warning, .part-detail, .beside .note, footer { overflow-wrap:anywhere; }
header { background:#14263b; color:#fff; padding:16px 14px 12px; }
header h1 { margin:0 0 4px; font-size:20px; font-weight:600; }
header .meta { color:#c5d2e0; font-size:13px; }
main { max-width:1400px; margin:0 auto; padding:14px 10px 32px; }
.banner { background:var(--warnbg); color:var(--warn); border:1px solid #f0d38a; border-radius:6px; padding:10px 12px; margin:0 0 14px; font-weight:600; }
.warning { background:#fdecea; color:#8c1d18; border:1px solid #f3b8b3; border-radius:6px; padding:10px 12px; margin:0 0 14px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; margin:0 0 14px; min-width:0; }
section h2 { margin:0 0 8px; font-size:16px; }
p.hint { margin:0 0 10px; color:var(--muted); font-size:13px; }
.headline { border:2px solid var(--accent); }
.headline h2 { font-size:15px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.03em; }
.headline .big { font-size:40px; font-weight:700; line-height:1.1; font-variant-numeric:tabular-nums; }
.headline .priced { margin:4px 0 10px; color:var(--muted); font-size:13px; }
.split { display:flex; height:14px; border-radius:7px; overflow:hidden; background:#eceff2; margin:0 0 10px; }
.split span { display:block; height:100%; }
.parts { list-style:none; margin:0; padding:0; display:grid; grid-template-columns:1fr; gap:8px; }
.part { display:grid; grid-template-columns:14px 1fr auto; column-gap:8px; align-items:baseline; }
.part .swatch { width:12px; height:12px; border-radius:2px; align-self:center; }
.part-label { font-weight:600; }
.part-value { font-weight:700; font-variant-numeric:tabular-nums; white-space:nowrap; }
.part-detail { grid-column:2 / 4; color:var(--muted); font-size:13px; }
.headline > .hint { margin:10px 0; }
.beside { display:grid; grid-template-columns:1fr; gap:8px; border-top:1px solid var(--line); padding-top:10px; }
.beside .label { font-weight:600; }
.beside .value { font-weight:700; font-variant-numeric:tabular-nums; }
.beside .note { display:block; color:var(--muted); font-size:13px; }
.tiles { display:grid; grid-template-columns:repeat(auto-fill, minmax(140px, 1fr)); gap:10px; }
.tile { border:1px solid var(--line); border-radius:8px; padding:10px 12px; min-width:0; }
.tile .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
.tile .value { font-size:17px; font-weight:650; margin-top:2px; font-variant-numeric:tabular-nums; white-space:nowrap; }
.tile .note { color:var(--muted); font-size:12px; }
.legend { display:flex; flex-wrap:wrap; gap:4px 14px; font-size:12px; margin:0 0 8px; }
.swatch { display:inline-block; width:12px; height:12px; border-radius:2px; margin-right:5px; vertical-align:-1px; }
.bars { list-style:none; margin:0; padding:0; }
.bars li { display:grid; grid-template-columns:1fr auto; gap:2px 8px; margin:0 0 10px; align-items:center; }
.bar-label { grid-column:1 / 3; font-size:13px; }
.bar-track { display:flex; height:16px; min-width:0; }
.bar-track span { display:block; height:100%; }
.bar-value { font-size:13px; font-variant-numeric:tabular-nums; white-space:nowrap; }
.grid2 { display:grid; grid-template-columns:minmax(0, 1fr); gap:0 14px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:6px 7px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:#f0f3f6; font-weight:600; }
.scroll { overflow-x:auto; max-width:100%; }
.scroll:focus { outline:2px solid var(--accent); outline-offset:2px; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
td.num { white-space:nowrap; }
td.gaps { font-size:12px; }
td.empty { color:var(--muted); text-align:center; }
td.id { white-space:nowrap; }
td.wide { min-width:170px; }
table#top-encounters td.id:first-child, table#gaps-by-code td.id:first-child { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; }
.chart { width:100%; height:auto; display:block; }
.chart.wide { display:none; max-width:980px; }
.chart.narrow { max-width:480px; }
.chart .sub, .chart .tick { font-size:11px; fill:var(--muted); }
.chart .legend { font-size:12px; fill:var(--ink); }
.chart.narrow .tick { font-size:12px; }
.chart.narrow .legend { font-size:13px; }
.chart .grid { stroke:#eceff2; }
.chart .axis { stroke:#9aa5b1; }
footer { color:var(--muted); font-size:12px; }
footer ul { padding-left:18px; }
footer li { margin:2px 0; }
@media (max-width: 639.98px) {
  .cards thead { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
  .cards table, .cards tbody, .cards tr, .cards td { display:block; width:100%; }
  .cards tr { border:1px solid var(--line); border-radius:6px; padding:6px 10px; margin:0 0 8px; }
  .cards td { display:grid; grid-template-columns:minmax(0, 44%) minmax(0, 1fr); column-gap:10px; border:0; padding:3px 0; text-align:left; white-space:normal; overflow-wrap:anywhere; }
  .cards td::before { content:attr(data-label); color:var(--muted); font:600 12px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
  .cards td.zero { display:none; }
  .cards td.num { text-align:left; white-space:normal; }
  .cards td.wide { min-width:0; }
  .cards td.empty { display:block; text-align:center; }
  .cards td.empty::before { content:none; }
}
@media (min-width: 640px) {
  header { padding:20px 32px 16px; }
  header h1 { font-size:22px; }
  main { padding:20px 32px 40px; }
  section { padding:16px 18px; }
  .parts { grid-template-columns:repeat(2, minmax(0, 1fr)); }
  .beside { grid-template-columns:repeat(2, minmax(0, 1fr)); }
  .bars li { grid-template-columns:minmax(160px, 28%) 1fr auto; }
  .bar-label { grid-column:auto; }
  .tiles { grid-template-columns:repeat(auto-fill, minmax(190px, 1fr)); }
  .tile .value { font-size:22px; }
}
@media (min-width: 900px) {
  .chart.wide { display:block; }
  .chart.narrow { display:none; }
}
@media (min-width: 1000px) {
  .grid2 { grid-template-columns:minmax(0, 1fr) minmax(0, 1fr); }
  .parts { grid-template-columns:repeat(4, minmax(0, 1fr)); }
}
`;
