import type { CompareResult, CompareRow } from './compareReports.ts';

/** Beyond this many steps, the table and the HTML report show the divergences in context, not every step. */
export const ROW_LIMIT = 200;
/** Steps shown before and after a divergence. */
const CONTEXT = 3;

/** The rows around the first divergence and the first machine-independent one (all rows for a small run). */
export function rowsToShow(c: CompareResult): { rows: CompareRow[]; hidden: number } {
  if (c.rows.length <= ROW_LIMIT) return { rows: c.rows, hidden: 0 };
  const keep = new Set<number>();
  for (const d of [c.firstDivergence, c.firstMiDivergence]) {
    if (d === null) continue;
    for (let i = Math.max(0, d.index - CONTEXT); i <= Math.min(c.rows.length - 1, d.index + CONTEXT); i++) keep.add(i);
  }
  const rows = c.rows.filter((r) => keep.has(r.index));
  return { rows, hidden: c.rows.length - rows.length };
}

/** How many steps differ, machine-independent and machine-dependent. */
export function divergenceCounts(c: CompareResult): { mi: number; md: number } {
  let mi = 0;
  let md = 0;
  for (const r of c.rows) if (r.differs) r.md ? md++ : mi++;
  return { mi, md };
}

export interface Phase {
  /** Top-level steps [from, to). */
  from: number;
  to: number;
  /** Counter increase in the phase, by machine then counter. */
  deltas: Record<string, Record<string, number>>;
}

/** The run cut into at most `n` phases of the counters-over-time series, with each counter's increase in each. */
export function phases(c: CompareResult, n = 10): Phase[] {
  const series = c.reports.map((r) => r.series ?? []);
  const points = Math.min(...series.map((s) => s.length));
  if (points < 2) return [];
  const per = Math.max(1, Math.ceil((points - 1) / n));
  const out: Phase[] = [];
  for (let a = 0; a < points - 1; a += per) {
    const b = Math.min(points - 1, a + per);
    const deltas: Record<string, Record<string, number>> = {};
    c.reports.forEach((r, i) => {
      const s0 = series[i]![a]!.counters;
      const s1 = series[i]![b]!.counters;
      const d: Record<string, number> = {};
      for (const k of c.counterNames) d[k] = (s1[k] ?? 0) - (s0[k] ?? 0);
      deltas[r.machine] = d;
    });
    out.push({ from: series[0]![a]!.steps, to: series[0]![b]!.steps, deltas });
  }
  return out;
}

/** The by-phase table as text lines: one line per counter and machine, one column per phase. */
export function formatPhases(c: CompareResult, ps: Phase[]): string[] {
  if (ps.length === 0) return [];
  const heads = ps.map((p) => `${p.from}-${p.to}`);
  const names = c.counterNames.filter((k) => c.machines.some((m) => (c.counters[m]![k] ?? 0) !== 0));
  const cells = names.flatMap((k) => c.machines.map((m) => ps.map((p) => String(p.deltas[m]![k] ?? 0))));
  const w = heads.map((h, j) => Math.max(h.length, ...cells.map((row) => row[j]!.length)));
  const kw = Math.max(7, ...names.map((k) => k.length));
  const mw = Math.max(...c.machines.map((m) => m.length));
  const out = [
    `  by phase (counter increase per range of steps):`,
    `    ${''.padEnd(kw)}  ${''.padEnd(mw)}  ${heads.map((h, j) => h.padStart(w[j]!)).join('  ')}`,
  ];
  for (const k of names) {
    c.machines.forEach((m, i) => {
      const vals = ps.map((p) => p.deltas[m]![k] ?? 0);
      const differs = c.machines.some((o) => ps.some((p, j) => (p.deltas[o]![k] ?? 0) !== vals[j]));
      out.push(
        `    ${(i === 0 ? k : '').padEnd(kw)}  ${m.padEnd(mw)}  ${vals.map((v, j) => String(v).padStart(w[j]!)).join('  ')}${differs && i === 0 ? '  *' : ''}`,
      );
    });
  }
  return out;
}
