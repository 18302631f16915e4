import { fmt, runJson } from '../report/formatRun.ts';
import type { CompareResult, CompareRow } from './compareReports.ts';

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
