import type { TraceFigures } from './TraceFigures.ts';

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** The figures `vmlab trace` prints, one row per figure, one column per machine. */
export function traceRows(figs: readonly TraceFigures[]): [string, (string | number)[]][] {
  const col = (f: (x: TraceFigures) => string | number): (string | number)[] => figs.map(f);
  const mib = (pages: number): string => `${((pages * 4096) / 1048576).toFixed(1)} MiB`;
  return [
    ['system calls replayed', col((x) => sum(x.syscalls))],
    ['  not replayed', col((x) => sum(x.notReplayed))],
    ['  refused by the kernel', col((x) => sum(x.refused))],
    ['accesses (recorded)', col((x) => x.accesses)],
    ['  handed on (collapsed by page)', col((x) => x.records)],
    ['  TLB hits', col((x) => x.tlbHits)],
    ['faults', col((x) => x.faults.total)],
    ['  zero fill', col((x) => x.faults.zeroFill)],
    ['  copy-on-write', col((x) => x.faults.cow)],
    ['  page-in', col((x) => x.faults.pageIn)],
    ['  soft (page resident)', col((x) => x.faults.soft)],
    ['  protection', col((x) => x.faults.protection)],
    ['  key / guard', col((x) => x.faults.keyGuard)],
    ['  unmapped', col((x) => x.faults.unmapped)],
    ['pages in', col((x) => x.pagesIn)],
    ['pages out', col((x) => x.pagesOut)],
    ['TLB invalidations', col((x) => x.tlbInvalidations)],
    ['  IPIs', col((x) => x.ipis)],
    ['  broadcasts', col((x) => x.broadcasts)],
    ['peak RSS (pages)', col((x) => x.peakRssPages)],
    ['  peak RSS', col((x) => mib(x.peakRssPages))],
    ['first-touch pages (text/data/stack)', col((x) => `${x.implicit.text}/${x.implicit.data}/${x.implicit.stack}`)],
    ['wall time (ms)', col((x) => Math.round(x.wallMs))],
    ['accesses/s', col((x) => x.accessesPerSec)],
  ];
}

/** Rows whose values are simulated (not wall time) and differ between machines. */
const TIMED = new Set(['wall time (ms)', 'accesses/s']);

/**
 * The table: machines side by side, `*` on a simulated figure that differs; then what was not replayed or
 * was refused, and the first signals, per machine.
 */
export function formatTrace(title: string, figs: readonly TraceFigures[]): string {
  const rows = traceRows(figs);
  const head = ['', ...figs.map((f) => f.machine)];
  const body = rows.map(([name, vals]) => {
    const differs = figs.length > 1 && !TIMED.has(name) && vals.some((v) => v !== vals[0]);
    return [`${differs ? '*' : ' '} ${name}`, ...vals.map(String)];
  });
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!)))
      .join('  ')
      .trimEnd();
  const out = [title, line(head), ...body.map(line)];
  for (const f of figs) {
    const notes: string[] = [];
    for (const [k, v] of Object.entries(f.notReplayed)) notes.push(`  not replayed ${v}x: ${k}`);
    for (const [k, v] of Object.entries(f.refused)) notes.push(`  refused ${v}x: ${k}`);
    for (const s of f.firstRefused) notes.push(`    ${s}`);
    for (const s of f.firstSignals) notes.push(`  signal: ${s}`);
    if (notes.length > 0) out.push(`${f.machine}:`, ...notes);
  }
  if (figs.length > 1) out.push('(* = differs between machines)');
  return out.join('\n');
}
