import { bigintJson } from '@vmlab/core';
import { writeFileSync } from 'node:fs';
import type { RunReport, Scenario, Step } from '@vmlab/core';
import { defaultCatalog } from '../catalog.ts';
import { fmt, reportOk, runJson } from '../format.ts';
import { InputError, loadScenario, scenarioMachines } from '../loadScenario.ts';
import { runOnMachine } from '../runOnMachine.ts';

export interface CompareFlags {
  machines?: string;
  json?: boolean;
  html?: string;
  check?: boolean;
}

/** Operations whose outcome is machine-dependent by nature (the MD system calls). */
const MD_OPS = new Set(['sysarch', 'pkey_set', 'wrpkru', 'pkey_alloc', 'pkey_free', 'pkey_mprotect']);
/** `check` queries whose value is machine-dependent. */
const MD_QUERIES = new Set(['pkey', 'guarded', 'pkru', 'pte']);
/** Counters always shown, then every counter with one of the prefixes. */
const BASE_COUNTERS = ['faults', 'pte_writes', 'pt_pages', 'tlb_invalidate', 'pagein', 'pageout'];
const COUNTER_PREFIXES = ['tlb.', 'pkru.', 'bti.'];

/** One step across the machines. */
export interface CompareRow {
  index: number;
  op: string;
  line: number;
  /** The step (or the differing part of a check) is machine-dependent. */
  md: boolean;
  outcomes: Record<string, unknown>;
  held: Record<string, boolean | null>;
  differs: boolean;
  /** For a differing check: the queries whose values differ. */
  differingQueries?: string[];
}

export interface CompareResult {
  scenario: string;
  machines: string[];
  ok: boolean;
  rows: CompareRow[];
  firstDivergence: { index: number; op: string; line: number; md: boolean } | null;
  /** First divergence of a machine-independent step (or MI part of a check). */
  firstMiDivergence: { index: number; op: string; line: number } | null;
  counterNames: string[];
  counters: Record<string, Record<string, number>>;
  reports: RunReport[];
}

function stepsByPos(steps: readonly Step[], out = new Map<string, Step>()): Map<string, Step> {
  for (const s of steps) {
    out.set(`${s.pos.line}:${s.pos.col}`, s);
    const threads = s.args.threads as unknown;
    if (s.op === 'concurrent' && Array.isArray(threads)) for (const t of threads) if (Array.isArray(t)) stepsByPos(t as Step[], out);
  }
  return out;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a, bigintJson) === JSON.stringify(b, bigintJson);

/** Whether a step is machine-dependent (an MD syscall, an indirect-branch fetch). */
function stepIsMd(op: string, step: Step | undefined): boolean {
  if (MD_OPS.has(op)) return true;
  if (op === 'fetch' && step !== undefined && step.args.branch !== undefined && step.args.branch !== 'direct') return true;
  return false;
}

/** Lines up the reports of one scenario on several machines. */
export function compareReports(s: Scenario, reports: RunReport[]): CompareResult {
  const names = reports.map((r) => r.machine);
  const byPos = stepsByPos(s.steps);
  const n = Math.max(...reports.map((r) => r.steps.length));
  const rows: CompareRow[] = [];
  let first: CompareResult['firstDivergence'] = null;
  let firstMi: CompareResult['firstMiDivergence'] = null;
  for (let i = 0; i < n; i++) {
    const ref = reports.find((r) => r.steps[i] !== undefined)!.steps[i]!;
    const step = byPos.get(`${ref.pos.line}:${ref.pos.col}`);
    const outcomes: Record<string, unknown> = {};
    const held: Record<string, boolean | null> = {};
    for (const r of reports) {
      const st = r.steps[i];
      outcomes[r.machine] = st === undefined ? '(not run)' : st.outcome;
      held[r.machine] = st === undefined ? null : st.held;
    }
    const vals = names.map((m) => outcomes[m]);
    const differs = vals.some((v) => !same(v, vals[0]));
    let md = stepIsMd(ref.op, step);
    let miDiffers = differs && !md;
    const row: CompareRow = { index: i, op: ref.op, line: ref.pos.line, md, outcomes, held, differs };
    if (differs && ref.op === 'check' && vals.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      const keys = new Set<string>();
      for (const v of vals) for (const k of Object.keys(v as object)) keys.add(k);
      const dq = [...keys].filter((k) => vals.some((v) => !same((v as Record<string, unknown>)[k], (vals[0] as Record<string, unknown>)[k])));
      row.differingQueries = dq;
      miDiffers = dq.some((q) => !MD_QUERIES.has(q));
      md = !miDiffers;
      row.md = md;
    }
    if (differs && first === null) first = { index: i, op: ref.op, line: ref.pos.line, md };
    if (miDiffers && firstMi === null) firstMi = { index: i, op: ref.op, line: ref.pos.line };
    rows.push(row);
  }
  const counterSet = new Set<string>(BASE_COUNTERS);
  for (const r of reports) for (const k of Object.keys(r.counters)) if (COUNTER_PREFIXES.some((p) => k.startsWith(p))) counterSet.add(k);
  const counterNames = [...counterSet];
  const counters: Record<string, Record<string, number>> = {};
  for (const r of reports) {
    const c: Record<string, number> = {};
    for (const k of counterNames) c[k] = r.counters[k] ?? 0;
    counters[r.machine] = c;
  }
  return { scenario: s.name, machines: names, ok: reports.every(reportOk), rows, firstDivergence: first, firstMiDivergence: firstMi, counterNames, counters, reports };
}

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

function cell(r: CompareRow, m: string): string {
  const h = r.held[m];
  const mark = h === null ? '' : h ? '✓ ' : '✗ ';
  return mark + fmt(r.outcomes[m]);
}

/** The side-by-side text table. */
export function formatCompare(c: CompareResult): string {
  const out: string[] = [];
  out.push(`${c.scenario}: ${c.machines.join(' vs ')}`);
  const w = c.machines.map((m) => Math.min(60, Math.max(m.length, ...c.rows.map((r) => cell(r, m).length))));
  const opW = Math.max(4, ...c.rows.map((r) => r.op.length));
  out.push(`    ${pad('step', 4)} ${pad('line', 5)} ${pad('op', opW)}  ${c.machines.map((m, i) => pad(m, w[i]!)).join(' │ ')}`);
  for (const r of c.rows) {
    const mark = !r.differs ? ' ' : r.md ? '≈' : '≠';
    const cells = c.machines.map((m, i) => {
      const s = cell(r, m);
      return pad(s.length > 60 ? `${s.slice(0, 57)}...` : s, w[i]!);
    });
    out.push(`  ${mark} ${pad(String(r.index), 4)} ${pad(String(r.line), 5)} ${pad(r.op, opW)}  ${cells.join(' │ ')}`);
  }
  out.push('  (≠ machine-independent outcome differs, ≈ machine-dependent outcome differs, ✗ expectation failed)');
  if (c.firstDivergence === null) out.push('  no divergence: every step has the same outcome on every machine');
  else {
    const f = c.firstDivergence;
    out.push(`  first divergence: step ${f.index} (${f.op}, line ${f.line})${f.md ? ', machine-dependent' : ''}`);
    const g = c.firstMiDivergence;
    out.push(g === null ? '  machine-independent outcomes: identical' : `  first machine-independent divergence: step ${g.index} (${g.op}, line ${g.line})`);
  }
  const cw = Math.max(...c.counterNames.map((k) => k.length));
  const mw = c.machines.map((m) => Math.max(m.length, 6));
  out.push('  counters:');
  out.push(`    ${pad('', cw)}  ${c.machines.map((m, i) => pad(m, mw[i]!)).join('  ')}`);
  for (const k of c.counterNames) {
    const vs = c.machines.map((m) => c.counters[m]![k]!);
    const d = vs.some((v) => v !== vs[0]) ? ' *' : '';
    out.push(`    ${pad(k, cw)}  ${vs.map((v, i) => pad(String(v), mw[i]!)).join('  ')}${d}`);
  }
  for (const r of c.reports) {
    for (const f of r.failures) out.push(`  FAILED on ${r.machine}: ${f.pos.file}:${f.pos.line}:${f.pos.col} step ${f.index} (${f.op}): ${f.failure}`);
    for (const v of r.violations) out.push(`  INVARIANT on ${r.machine}: ${v.invariant} violated after step ${v.step} (line ${v.pos.line}): ${v.message}`);
    if (r.error !== undefined) out.push(`  ERROR on ${r.machine}: ${r.error}`);
  }
  out.push(`  ${c.ok ? 'every expectation held on every machine' : 'some expectations failed'}`);
  return out.join('\n');
}

/** The JSON document of `compare --json`. */
export function compareJson(c: CompareResult): unknown {
  return {
    scenario: c.scenario,
    machines: c.machines,
    ok: c.ok,
    firstDivergence: c.firstDivergence,
    firstMiDivergence: c.firstMiDivergence,
    steps: c.rows,
    counters: c.counters,
    runs: c.reports.map(runJson),
  };
}

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

/** `vmlab compare`: the same steps on each machine, side by side. Exit codes as `run`. */
export async function compareCommand(file: string, flags: CompareFlags, print: (s: string) => void): Promise<number> {
  const catalog = defaultCatalog();
  const s = loadScenario(file);
  const override = flags.machines?.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const machines = scenarioMachines(s, catalog, override);
  const seen = new Set<string>();
  for (const m of machines) {
    if (seen.has(m.name)) throw new InputError(`${file}: machine name '${m.name}' appears twice; give inline machines distinct names`);
    seen.add(m.name);
  }
  const reports: RunReport[] = [];
  for (const m of machines) reports.push(await runOnMachine(s, m, catalog, { check: flags.check !== false }));
  const input = reports.find((r) => r.inputError === true);
  if (input !== undefined) throw new InputError(input.error!);
  const c = compareReports(s, reports);
  if (flags.html !== undefined) writeFileSync(flags.html, compareHtml(c));
  if (flags.json === true) print(JSON.stringify(compareJson(c), bigintJson, 2));
  else print(formatCompare(c));
  return c.ok ? 0 : 1;
}
