import { fmt } from '../report/formatRun.ts';
import type { CompareResult, CompareRow } from './compareReports.ts';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7'];
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Options of the report: the scenario's source lines, and the viewer to link each step into. */
export interface CompareHtmlOptions {
  /** The scenario file's lines (each step shows its own). */
  source?: readonly string[];
  /** The viewer page (href relative to the report) and, per machine, each step's command seq. */
  viewer?: { href: string; seqOf: Record<string, Record<number, number>> };
}

/** One horizontal bar chart (inline SVG) of a counter across the machines; labels sized to the longest name. */
function barChart(name: string, machines: string[], values: number[]): string {
  const max = Math.max(1, ...values);
  const bh = 18;
  const label = Math.ceil(12 + 7.4 * Math.max(...machines.map((m) => m.length)));
  const width = label + 300;
  const h = machines.length * (bh + 4) + 24;
  const bars = machines
    .map((m, i) => {
      const y = 20 + i * (bh + 4);
      const w = Math.round(((width - label - 60) * values[i]!) / max);
      return (
        `<text class="label" x="${label - 6}" y="${y + 13}" text-anchor="end">${esc(m)}</text>` +
        `<rect x="${label}" y="${y}" width="${w}" height="${bh}" fill="${COLORS[i % COLORS.length]}"><title>${esc(m)}: ${values[i]}</title></rect>` +
        `<text x="${label + w + 4}" y="${y + 13}">${values[i]}</text>`
      );
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${esc(name)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}"><text x="0" y="13" font-weight="bold">${esc(name)}</text>${bars}</svg>`;
}

/** An outcome with the fields that differ from another machine's marked. */
function cell(r: CompareRow, m: string, machines: string[]): string {
  const v = r.outcomes[m];
  if (!r.differs) return esc(fmt(v));
  const others = machines.filter((x) => x !== m).map((x) => r.outcomes[x]);
  const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isObj(v) || !others.every(isObj)) return others.some((o) => !same(o, v)) ? `<mark class="diff">${esc(fmt(v))}</mark>` : esc(fmt(v));
  const parts = Object.entries(v).map(([k, x]) => {
    const text = `${k}: ${fmt(x)}`;
    return others.some((o) => !same(o[k], x)) ? `<mark class="diff" data-field="${esc(k)}">${esc(text)}</mark>` : esc(text);
  });
  const missing = [...new Set(others.flatMap((o) => Object.keys(o)))].filter((k) => !(k in v));
  return `{ ${parts.join(', ')} }${missing.length > 0 ? ` <mark class="diff">(no ${esc(missing.join(', '))})</mark>` : ''}`;
}

/**
 * A self-contained HTML report: a legend per machine, the steps side by side with their
 * source lines (differing fields marked, a "differences only" toggle, links into the
 * viewer), the counters that differ first with charts, the equal ones in one table.
 */
export function compareHtml(c: CompareResult, opts: CompareHtmlOptions = {}): string {
  const head = `<tr><th>step</th><th>line</th><th>op</th>${c.machines.map((m) => `<th class="machine">${esc(m)}</th>`).join('')}</tr>`;
  const rows = c.rows
    .map((r) => {
      const cls = !r.differs ? 'same' : r.md ? 'md-diff' : 'mi-diff';
      const tds = c.machines
        .map((m) => {
          const h = r.held[m];
          const hc = h === null ? '' : h ? 'held' : 'failed';
          const seq = opts.viewer?.seqOf[m]?.[r.index];
          const link =
            seq !== undefined
              ? ` <a class="view" href="${esc(opts.viewer!.href)}#machine=${encodeURIComponent(m)}&amp;cmd=${seq}" title="this step on ${esc(m)} in the viewer">view</a>`
              : '';
          return `<td class="${hc}" data-machine="${esc(m)}">${cell(r, m, c.machines)}${link}</td>`;
        })
        .join('');
      const src = opts.source?.[r.line - 1];
      const line = `${r.line}${src !== undefined ? `<div class="src">${esc(src.trim())}</div>` : ''}`;
      return `<tr class="${cls}"><td>${r.index}</td><td class="line">${line}</td><td>${esc(r.op)}${r.differs ? ` <span class="tag">${r.md ? 'MD' : 'MI'}</span>` : ''}</td>${tds}</tr>`;
    })
    .join('\n');
  const f = c.firstDivergence;
  const g = c.firstMiDivergence;
  const summary =
    f === null
      ? 'No divergence: every step has the same outcome on every machine.'
      : `First divergence: step ${f.index} (${esc(f.op)}, line ${f.line})${f.md ? ', machine-dependent' : ''}. ` +
        (g === null ? 'Machine-independent outcomes are identical.' : `First machine-independent divergence: step ${g.index} (${esc(g.op)}, line ${g.line}).`);
  const differing = c.counterNames.filter((k) => c.machines.some((m) => c.counters[m]![k] !== c.counters[c.machines[0]!]![k]));
  const equal = c.counterNames.filter((k) => !differing.includes(k));
  const charts = differing
    .map((k) =>
      barChart(
        k,
        c.machines,
        c.machines.map((m) => c.counters[m]![k]!),
      ),
    )
    .join('\n');
  const diffTable =
    differing.length === 0
      ? '<p>Every counter is the same on every machine.</p>'
      : `<table id="counters-differ"><thead><tr><th>counter</th>${c.machines.map((m) => `<th>${esc(m)}</th>`).join('')}</tr></thead><tbody>${differing
          .map((k) => `<tr class="differs"><td><mark class="diff">${esc(k)}</mark></td>${c.machines.map((m) => `<td>${c.counters[m]![k]}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`;
  const eqTable =
    equal.length === 0
      ? ''
      : `<details id="counters-equal"><summary>${equal.length} counter${equal.length === 1 ? '' : 's'} equal on every machine</summary><table><tbody>${equal
          .map((k) => `<tr><td>${esc(k)}</td><td>${c.counters[c.machines[0]!]![k]}</td></tr>`)
          .join('')}</tbody></table></details>`;
  const legend = (c.legends ?? [])
    .map((l, i) => {
      const pol = Object.entries(l.policies).map(([k, v]) => `${k}=${v}`);
      return `<li data-machine="${esc(l.name)}"><span class="swatch" style="background:${COLORS[i % COLORS.length]}"></span><b>${esc(l.name)}</b>: arch ${esc(l.arch)}, abi ${esc(l.abi)}, ${l.cpus} cpus, policies ${pol.length > 0 ? esc(pol.join(', ')) : 'defaults'}, plugins ${l.plugins.length > 0 ? esc(l.plugins.join(', ')) : 'none'}${c.logs?.[l.name] !== undefined ? ` <span class="log">log ${esc(c.logs[l.name]!)}</span>` : ''}</li>`;
    })
    .join('');
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
th.machine{white-space:nowrap}
tr.mi-diff{background:#fdd}tr.md-diff{background:#ffe9b3}
td.failed{color:#b00;font-weight:bold}
mark.diff{background:#ff7;outline:1px solid #c90;font-weight:bold}
.src{color:#555;white-space:pre;font-size:11px}
.tag{font-size:10px;border:1px solid #999;padding:0 2px}
a.view{font-size:11px;margin-left:4px}
body.only-diffs tr.same{display:none}
#legend{list-style:none;padding:0}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}.log{color:#777;font-size:11px}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart text{font-size:12px;font-family:system-ui,sans-serif}
</style></head>
<body>
<h1>${esc(c.scenario)}</h1>
<p>Machines: ${c.machines.map(esc).join(', ')} — ${c.ok ? 'every expectation held on every machine' : 'some expectations failed'}.</p>
${legend === '' ? '' : `<ul id="legend">${legend}</ul>`}
<p id="divergence">${summary}</p>
${problems === '' ? '' : `<ul id="problems">${problems}</ul>`}
<h2>Counters</h2>
${diffTable}
<div class="charts">
${charts}
</div>
${eqTable}
<h2>Steps</h2>
<p>Rows in red: a machine-independent outcome differs; in amber: a machine-dependent one; the differing fields are marked.
<label><input type="checkbox" id="only-diffs"> differences only</label></p>
<table id="outcomes"><thead>${head}</thead><tbody>
${rows}
</tbody></table>
<script>
document.getElementById('only-diffs').addEventListener('change', function (e) { document.body.classList.toggle('only-diffs', e.target.checked); });
</script>
</body></html>
`;
}
