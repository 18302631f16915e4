import type { RunReport } from '../runner/RunReport.ts';
import type { FuzzOp } from './FuzzOp.ts';

/**
 * What went wrong in a run, as a signature shrinking keeps: the invariant, the op whose
 * expectation failed, `deadlock` (no thread of a concurrent step could run, as explore
 * names it), or `error`.
 */
export function failureSignature(r: RunReport): string | undefined {
  const v = r.violations[0];
  if (v !== undefined) return `invariant ${v.invariant}`;
  const f = r.failures[0];
  if (f !== undefined) return `expectation of ${f.op}`;
  if (r.error !== undefined) return r.inputError !== true && r.error.startsWith('deadlock') ? 'deadlock' : 'error';
  return undefined;
}

/**
 * Delta debugging (Zeller's ddmin) over the operation list: the smallest list (1-minimal:
 * removing any one operation loses the failure) whose scenario still fails. `fails` may
 * return a replacement for the candidate (the same operations with the schedules that
 * made it fail).
 */
export async function shrinkOps(ops: FuzzOp[], fails: (ops: FuzzOp[]) => Promise<boolean | FuzzOp[]>): Promise<FuzzOp[]> {
  let cur = ops;
  let n = 2;
  while (cur.length >= 2) {
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < n && !reduced; i++) {
      const complement = [...cur.slice(0, i * size), ...cur.slice((i + 1) * size)];
      if (complement.length === 0) continue;
      const f = await fails(complement);
      if (f !== false) {
        cur = f === true ? complement : f;
        n = Math.max(n - 1, 2);
        reduced = true;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  return cur;
}
