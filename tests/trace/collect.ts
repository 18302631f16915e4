import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readTrace } from '../../packages/lab/src/trace/readTrace.ts';
import type { TraceOp, TraceWarning } from '../../packages/lab/src/trace/TraceOp.ts';

export const FIXTURES = resolve(import.meta.dirname, 'fixtures');
export const fixture = (name: string): string => join(FIXTURES, name);

const dir = mkdtempSync(join(tmpdir(), 'vmlab-trace-'));
let n = 0;
/** Write `text` to a fresh temporary file and return its path. */
export function tempTrace(text: string | Buffer, name = 'trace'): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
}

/** Read traces into arrays (accesses as [pid, va, access bits]). */
export async function collect(paths: string[]) {
  const ops: TraceOp[] = [];
  const accesses: [number, number, number][] = [];
  const warnings: TraceWarning[] = [];
  const order: ({ kind: 'op'; op: TraceOp } | { kind: 'access'; pid: number; va: number; k: number })[] = [];
  const stats = await readTrace(paths, {
    access(pid, va, k) {
      accesses.push([pid, va, k]);
      order.push({ kind: 'access', pid, va, k });
    },
    op(op) {
      ops.push(op);
      order.push({ kind: 'op', op });
    },
    warn(w) {
      warnings.push(w);
    },
  });
  return { ops, accesses, warnings, stats, order };
}

export const opsOf = <K extends TraceOp['op']>(ops: TraceOp[], k: K) => ops.filter((o): o is Extract<TraceOp, { op: K }> => o.op === k);
