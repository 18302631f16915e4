import { fmt } from '../report/formatRun.ts';
import type { CompareResult } from './compareReports.ts';
import { rowsToShow } from './summarizeCompare.ts';

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

/** One line chart (inline SVG) of a counter over the run's steps, one line per machine. */
function lineChart(name: string, c: CompareResult): string {
  const width = 420;
  const h = 160;
  const left = 50;
  const top = 20;
  const ph = h - top - 30;
  const series = c.reports.map((r) => (r.series ?? []).map((p) => [p.steps, p.counters[name] ?? 0] as const));
  const maxX = Math.max(1, ...series.flatMap((s) => s.map((p) => p[0])));
  const maxY = Math.max(1, ...series.flatMap((s) => s.map((p) => p[1])));
  const x = (v: number): number => left + Math.round(((width - left - 10) * v) / maxX);
  const y = (v: number): number => top + ph - Math.round((ph * v) / maxY);
  const lines = series
    .map((s, i) => `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${s.map((p) => `${x(p[0])},${y(p[1])}`).join(' ')}"><title>${esc(c.machines[i]!)}</title></polyline>`)
    .join('');
  const legend = c.machines.map((m, i) => `<text x="${left + i * 110}" y="${h - 4}" fill="${COLORS[i % COLORS.length]}">${esc(m)}</text>`).join('');
  return (
    `<svg class="chart" role="img" aria-label="${esc(name)} over steps" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}">` +
    `<text x="0" y="13" font-weight="bold">${esc(name)} over steps</text>` +
    `<text x="${left - 4}" y="${top + 4}" text-anchor="end">${maxY}</text><text x="${left - 4}" y="${top + ph}" text-anchor="end">0</text>` +
    `<text x="${width - 10}" y="${top + ph + 14}" text-anchor="end">step ${maxX}</text>` +
    `<line x1="${left}" y1="${top + ph}" x2="${width - 10}" y2="${top + ph}" stroke="#999"/>${lines}${legend}</svg>`
  );
}

/**
 * A self-contained HTML report: the side-by-side table (for a long run, the steps around the first
 * divergences), SVG bar charts of the counters, and the counters over the run as line charts.
 */
export function compareHtml(c: CompareResult): string {
  const shown = rowsToShow(c);
  const head = `<tr><th>step</th><th>line</th><th>op</th>${c.machines.map((m) => `<th class="machine">${esc(m)}</th>`).join('')}</tr>`;
  const rows = shown.rows
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
  const overTime = c.reports.every((r) => (r.series?.length ?? 0) > 1)
    ? c.counterNames.filter((k) => c.machines.some((m) => (c.counters[m]![k] ?? 0) !== 0)).map((k) => lineChart(k, c)).join('\n')
    : '';
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
${shown.hidden > 0 ? `<p id="condensed">${c.rows.length} steps; shown: the steps around the first divergences (${shown.hidden} not shown; <code>compare --json</code> has every step).</p>` : ''}
<table id="outcomes"><thead>${head}</thead><tbody>
${rows}
</tbody></table>
<h2>Counters</h2>
<div class="charts">
${charts}
</div>
${overTime === '' ? '' : `<h2>Counters over the run</h2>\n<div class="charts" id="over-time">\n${overTime}\n</div>`}
</body></html>
`;
}
