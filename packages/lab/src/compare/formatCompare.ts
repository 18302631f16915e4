import { fmt, runJson } from '../report/formatRun.ts';
import { painter } from '../report/color.ts';
import type { CompareResult, CompareRow } from './compareReports.ts';
import { divergenceCounts, formatPhases, phases, rowsToShow } from './summarizeCompare.ts';

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

function cell(r: CompareRow, m: string): string {
  const h = r.held[m];
  const mark = h === null ? '' : h ? '✓ ' : '✗ ';
  return mark + fmt(r.outcomes[m]);
}

/** Lines of at most `w` characters, broken after a field's comma where one fits. */
function wrap(s: string, w: number): string[] {
  const lines: string[] = [];
  let rest = s;
  while (rest.length > w) {
    const at = rest.lastIndexOf(', ', w - 1);
    const cut = at > 0 ? at + 1 : w;
    lines.push(rest.slice(0, cut));
    rest = `  ${rest.slice(cut).trimStart()}`;
  }
  lines.push(rest);
  return lines;
}

export interface CompareTextOptions {
  /** The terminal's width in columns: cells are narrowed to fit it (default: no limit). */
  width?: number;
  /** ANSI colours for ✗, ≠ and ≈ (default off; the command decides with colorEnabled). */
  color?: boolean;
}

/**
 * The side-by-side text table. Cells are narrowed to fit `width`; a cell cut short ends in
 * '…', but never in a row whose outcomes differ or whose expectation failed: those cells
 * wrap onto further lines, so the field that differs (`pkey: 5`) is always shown.
 */
export function formatCompare(c: CompareResult, o: CompareTextOptions = {}): string {
  const paint = painter(o.color === true);
  const out: string[] = [];
  out.push(`${c.scenario}: ${c.machines.join(' vs ')}`);
  const { rows, hidden } = rowsToShow(c);
  if (hidden > 0) {
    const d = divergenceCounts(c);
    out.push(
      `  ${c.rows.length} steps, ${d.mi + d.md} with differing outcomes (${d.mi} machine-independent, ${d.md} machine-dependent); ${rows.length > 0 ? 'the steps around the first divergences' : 'no step shown'} (--json has every step):`,
    );
  }
  const opW = Math.max(4, ...rows.map((r) => r.op.length));
  const prefix = 17 + opW;
  const natural = c.machines.map((m) => Math.max(m.length, ...rows.map((r) => cell(r, m).length)));
  const room = (o.width ?? Number.POSITIVE_INFINITY) - prefix - 3 * (c.machines.length - 1);
  const budget = Math.max(16, Math.floor(room / c.machines.length));
  const w = natural.map((n, i) => Math.max(c.machines[i]!.length, Math.min(n, budget)));
  out.push(`    ${pad('step', 4)} ${pad('line', 5)} ${pad('op', opW)}  ${c.machines.map((m, i) => pad(m, w[i]!)).join(' │ ')}`);
  let last = -1;
  for (const r of rows) {
    if (hidden > 0 && r.index !== last + 1) out.push('    ...');
    last = r.index;
    const mark = !r.differs ? ' ' : r.md ? paint.yellow('≈') : paint.red('≠');
    const full = r.differs || c.machines.some((m) => r.held[m] === false);
    const cells = c.machines.map((m, i) => {
      const s = cell(r, m);
      if (s.length <= w[i]!) return [s];
      return full ? wrap(s, w[i]!) : [`${s.slice(0, w[i]! - 1)}…`];
    });
    const height = Math.max(...cells.map((x) => x.length));
    for (let line = 0; line < height; line++) {
      const row = cells.map((x, i) => {
        const t = pad(x[line] ?? '', w[i]!);
        return line === 0 && t.startsWith('✗') ? `${paint.red('✗')}${t.slice(1)}` : t;
      });
      const head = line === 0 ? `  ${mark} ${pad(String(r.index), 4)} ${pad(String(r.line), 5)} ${pad(r.op, opW)}` : ' '.repeat(prefix - 2);
      out.push(`${head}  ${row.join(' │ ')}`.trimEnd());
    }
  }
  out.push('  (≠ machine-independent outcome differs, ≈ machine-dependent outcome differs, ✗ expectation failed)');
  if (c.firstDivergence === null) out.push('  no divergence: every step has the same outcome on every machine');
  else {
    const f = c.firstDivergence;
    out.push(`  first divergence: step ${f.index} (${f.op}, line ${f.line})${f.md ? ', machine-dependent' : ''}`);
    const g = c.firstMiDivergence;
    out.push(g === null ? '  machine-independent outcomes: identical' : `  first machine-independent divergence: step ${g.index} (${g.op}, line ${g.line})`);
  }
  if (hidden > 0 && rows.length > 0 && last !== c.rows.length - 1) out.push('    ...');
  const cw = Math.max(...c.counterNames.map((k) => k.length));
  const mw = c.machines.map((m) => Math.max(m.length, 6));
  out.push('  counters:');
  out.push(`    ${pad('', cw)}  ${c.machines.map((m, i) => pad(m, mw[i]!)).join('  ')}`);
  for (const k of c.counterNames) {
    const vs = c.machines.map((m) => c.counters[m]![k]!);
    const d = vs.some((v) => v !== vs[0]) ? ' *' : '';
    out.push(`    ${pad(k, cw)}  ${vs.map((v, i) => pad(String(v), mw[i]!)).join('  ')}${d}`);
  }
  if (hidden > 0) out.push(...formatPhases(c, phases(c)));
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
    series: Object.fromEntries(c.reports.map((r) => [r.machine, r.series ?? []])),
    runs: c.reports.map(runJson),
  };
}
