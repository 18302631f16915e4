import { fmt } from '../report/formatRun.ts';
import type { CompareResult } from './compareReports.ts';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7'];

/** One horizontal bar chart (inline SVG) of a counter across the machines. */
function barChart(name: string, machines: string[], values: number[]): string {
  const max = Math.max(1, ...values);
  const bh = 18;
  const label = 120;
  const width = 420;
  const h = machines.length * (bh + 4) + 24;
  const bars = machines
    .map((m, i) => {
      const y = 20 + i * (bh + 4);
      const w = Math.round(((width - label - 50) * values[i]!) / max);
      return (
        `<text x="${label - 6}" y="${y + 13}" text-anchor="end">${esc(m)}</text>` +
        `<rect x="${label}" y="${y}" width="${w}" height="${bh}" fill="${COLORS[i % COLORS.length]}"><title>${esc(m)}: ${values[i]}</title></rect>` +
        `<text x="${label + w + 4}" y="${y + 13}">${values[i]}</text>`
      );
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${esc(name)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}"><text x="0" y="13" font-weight="bold">${esc(name)}</text>${bars}</svg>`;
}

/** A self-contained HTML report: the side-by-side table and SVG bar charts of the counters. */
export function compareHtml(c: CompareResult): string {
  const head = `<tr><th>step</th><th>line</th><th>op</th>${c.machines.map((m) => `<th class="machine">${esc(m)}</th>`).join('')}</tr>`;
  const rows = c.rows
    .map((r) => {
      const cls = !r.differs ? '' : r.md ? 'md-diff' : 'mi-diff';
      const tds = c.machines
        .map((m) => {
          const h = r.held[m];
          const hc = h === null ? '' : h ? 'held' : 'failed';
          return `<td class="${hc}">${esc(fmt(r.outcomes[m]))}</td>`;
        })
        .join('');
      return `<tr class="${cls}"><td>${r.index}</td><td>${r.line}</td><td>${esc(r.op)}</td>${tds}</tr>`;
    })
    .join('\n');
  const f = c.firstDivergence;
  const g = c.firstMiDivergence;
  const summary =
    f === null
      ? 'No divergence: every step has the same outcome on every machine.'
      : `First divergence: step ${f.index} (${esc(f.op)}, line ${f.line})${f.md ? ', machine-dependent' : ''}. ` +
        (g === null ? 'Machine-independent outcomes are identical.' : `First machine-independent divergence: step ${g.index} (${esc(g.op)}, line ${g.line}).`);
  const charts = c.counterNames.map((k) => barChart(k, c.machines, c.machines.map((m) => c.counters[m]![k]!))).join('\n');
  const problems = c.reports
    .flatMap((r) => [
      ...r.failures.map((x) => `<li>FAILED on ${esc(r.machine)}: line ${x.pos.line} step ${x.index} (${esc(x.op)}): ${esc(x.failure ?? '')}</li>`),
      ...r.violations.map((v) => `<li>INVARIANT on ${esc(r.machine)}: ${esc(v.invariant)} after step ${v.step}: ${esc(v.message)}</li>`),
      ...(r.error !== undefined ? [`<li>ERROR on ${esc(r.machine)}: ${esc(r.error)}</li>`] : []),
    ])
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vmlab compare: ${esc(c.scenario)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em}
table{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:13px}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
tr.mi-diff{background:#fdd}tr.md-diff{background:#ffe9b3}
td.failed{color:#b00;font-weight:bold}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart text{font-size:12px;font-family:system-ui,sans-serif}
</style></head>
<body>
<h1>${esc(c.scenario)}</h1>
<p>Machines: ${c.machines.map(esc).join(', ')} — ${c.ok ? 'every expectation held on every machine' : 'some expectations failed'}.</p>
<p id="divergence">${summary}</p>
<p>Rows in red: a machine-independent outcome differs; in amber: a machine-dependent one.</p>
${problems === '' ? '' : `<ul id="problems">${problems}</ul>`}
<table id="outcomes"><thead>${head}</thead><tbody>
${rows}
</tbody></table>
<h2>Counters</h2>
<div class="charts">
${charts}
</div>
</body></html>
`;
}
