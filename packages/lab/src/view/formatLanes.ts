import type { Lanes } from './lanes.ts';

const WIDTH = 46;

function fitCell(s: string, w: number): string {
  return s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w);
}

/**
 * The lanes of each `concurrent` step as text columns, one per thread, read top to bottom:
 * each slice lists the commands it started and ends with its yield reason; `>>` marks a
 * preemption (the thread could have gone on), `!!` an invariant found broken there.
 */
export function formatLanes(all: readonly Lanes[], describe: (seq: number) => string): string[] {
  const out: string[] = [];
  for (const l of all) {
    out.push(`concurrent step at line ${l.line}: ${l.threads} threads, ${l.slices.length} slices`);
    const cols = l.labels.map((x) => fitCell(x, WIDTH));
    out.push(`  ${cols.join(' | ')}`.trimEnd());
    out.push(`  ${cols.map(() => '-'.repeat(WIDTH)).join('-+-')}`);
    for (const s of l.slices) {
      const cell = [
        ...s.commands.map((seq) => describe(seq)),
        `${s.preempted ? '>> ' : ''}${s.reason === 'done' ? '(done)' : s.reason === 'stopped' ? '(run stopped)' : `yield: ${s.reason}`}`,
      ];
      for (const text of cell) out.push(`  ${l.labels.map((_, i) => fitCell(i === s.thread ? text : '', WIDTH)).join(' | ')}`.trimEnd());
      for (const v of s.violations) out.push(`  !! ${v.invariant}: ${v.message}`);
    }
  }
  return out;
}
