import { type Outcome, errno } from '../abi/outcome.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { EntryFlagsContext, MdArgs, MdState } from './ArchOps.ts';
import type { Kernel } from './Kernel.ts';

/**
 * MD dispatch (FreeBSD's sysarch(2) in sys/<arch>/<arch>/sys_machdep.c and the MD parts of
 * mmap/mprotect): the arch modules' ArchOps are asked in binding order; the first answer
 * wins, and an op no module knows gets the errno SCENARIO.md gives for an arch without it.
 */

/** The MD entry flags for a prot's extra part, or undefined (EINVAL) when no arch knows it. */
export function entryFlags(k: Kernel, extra: string, current: number, op: 'mmap' | 'mprotect', ctx?: EntryFlagsContext): number | undefined {
  for (const a of k.archOps) {
    const r = a.entryFlags?.(k, extra, current, op, ctx);
    if (r !== undefined) return r;
  }
  return extra === '' ? (op === 'mmap' ? 0 : current) : undefined;
}

/** The MD prot letters an entry shows (`bti`). */
export function entryProtExtra(k: Kernel, e: VmMapEntry): string {
  for (const a of k.archOps) {
    const r = a.entryProtName?.(e.mdFlags);
    if (r !== undefined) return r;
  }
  return '';
}

/** An MD system call (sysarch, pkey_*, wrpkru). */
export function mdSyscall(k: Kernel, p: Process, t: Thread, op: string, args: MdArgs): Outcome {
  for (const a of k.archOps) {
    const r = a.syscall?.(k, p, t, op, args);
    if (r !== undefined) return r;
  }
  switch (op) {
    case 'sysarch':
      return errno('EINVAL');
    case 'pkey_set':
    case 'wrpkru':
      return errno('EOPNOTSUPP');
    case 'pkey_alloc':
      return errno(k.abi === 'linux' ? 'ENOSPC' : 'ENOSYS');
    default:
      return errno(k.abi === 'linux' ? 'EINVAL' : 'ENOSYS');
  }
}

/** An MD state query (`check pkey`, `guarded`, `pkru`); 'none' when no module answers. */
export function mdQuery(k: Kernel, p: Process, name: string, args: MdArgs): unknown {
  for (const a of k.archOps) {
    const r = a.query?.(k, p, name, args);
    if (r !== undefined) return r;
  }
  return 'none';
}

/** The MD state every arch module shows of a process (a viewer's side tables), merged. */
export function mdState(k: Kernel, p: Process): MdState {
  const out: MdState = {};
  for (const a of k.archOps) {
    const s = a.mdState?.(k, p);
    if (s === undefined) continue;
    if (s.ranges !== undefined) out.ranges = { ...out.ranges, ...s.ranges };
    if (s.threads !== undefined) {
      out.threads ??= {};
      for (const [tid, regs] of Object.entries(s.threads)) out.threads[Number(tid)] = { ...out.threads[Number(tid)], ...regs };
    }
  }
  return out;
}
