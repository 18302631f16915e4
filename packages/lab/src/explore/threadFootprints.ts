/**
 * The independence relation of explore's reduction. Each thread of a `concurrent` step
 * touches the address spaces of the processes its steps name and the objects reachable from
 * their maps (each entry's object with its backing chain and the shadows of every object on
 * it: fork's shared objects, a file's vnode object). Two threads whose footprints are
 * disjoint are independent: their transitions commute, so interleavings that differ only in
 * how they are placed reach the same state.
 *
 * Conservative rules: a step whose op is not known to stay inside its processes (exit, wait,
 * revoke, pageout, swapout, peek/poke, msync, execve, a file mmap, ...) makes its thread
 * dependent on every other; so does a machine with fewer than FREE_MARGIN free pages (page
 * allocation commutes only up to the renaming of physical frames while memory is plentiful).
 */
import type { Kernel, VmObject } from '@vmlab/core';
import type { Step } from '../scenario/ast.ts';

/** Ops whose effects stay in the processes (pid, child) they name. */
const LOCAL_OPS = new Set([
  'read',
  'write',
  'fetch',
  'copyin',
  'copyout',
  'mmap',
  'munmap',
  'mprotect',
  'minherit',
  'mlock',
  'munlock',
  'madvise',
  'fork',
  'context_switch',
  'wrpkru',
  'pkey_set',
  'pkey_alloc',
  'pkey_free',
  'pkey_mprotect',
  'sysarch',
]);

/** Below this many free pages every thread is dependent on every other. */
export const FREE_MARGIN = 256;

/** Whether a step stays in the processes it names (a file mapping does not: its vnode object is shared). */
function isLocal(s: Step): boolean {
  return LOCAL_OPS.has(s.op) && !(s.op === 'mmap' && s.args.file !== undefined);
}

/** The objects reachable from an object: its backing chain and every shadow of any object met. */
function reach(o: VmObject, into: Set<unknown>): void {
  const todo: VmObject[] = [o];
  while (todo.length > 0) {
    const x = todo.pop()!;
    if (into.has(x)) continue;
    into.add(x);
    if (x.backing !== null) todo.push(x.backing);
    for (const sh of x.shadows) todo.push(sh);
  }
}

/**
 * The dependence matrix of the threads (row i, column j: threads i and j may not commute),
 * computed from the machine as the step starts. A thread always depends on itself.
 */
export function threadDependence(k: Kernel, threads: readonly (readonly Step[])[]): boolean[][] {
  const n = threads.length;
  const all = (): boolean[][] => threads.map(() => threads.map(() => true));
  if (k.mem.freeCount < FREE_MARGIN) return all();
  const prints: (Set<unknown> | null)[] = threads.map((steps) => {
    const fp = new Set<unknown>();
    for (const s of steps) {
      if (!isLocal(s)) return null;
      for (const key of ['pid', 'child'] as const) {
        const pid = s.args[key];
        if (typeof pid !== 'number') continue;
        fp.add(`pid:${pid}`);
        const p = k.procs.get(pid);
        if (p === undefined) continue;
        fp.add(p.vmspace);
        for (const e of p.vmspace.map.entries) if (e.object !== null) reach(e.object, fp);
      }
    }
    return fp;
  });
  const dep = all();
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = prints[i]!;
      const b = prints[j]!;
      if (a === null || b === null) continue;
      let shared = false;
      for (const x of a)
        if (b.has(x)) {
          shared = true;
          break;
        }
      dep[i]![j] = dep[j]![i] = shared;
    }
  }
  return dep;
}
