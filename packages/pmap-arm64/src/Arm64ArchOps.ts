import { type ArchOps, errno, type Kernel, type MdArgs, type MdState, OK, type Outcome, PAGE_SIZE, type Process, type Thread } from '@vmlab/core';
import { injectable } from 'inversify';
import { Arm64Pmap, ENTRY_BTI } from './Arm64Pmap.ts';

/**
 * The arm64 MD system call and queries: `sysarch guard_page` (ARM64_GUARD_PAGE → pmap_bti_set,
 * T2.3), `check guarded`, and PROT_BTI as an entry attribute under `abi: linux` (T2.6).
 * PKRU operations are not this arch's: they fall through to core's EINVAL / EOPNOTSUPP.
 */
@injectable()
export class Arm64ArchOps implements ArchOps {
  readonly name = 'arm64-bti';

  syscall(k: Kernel, p: Process, _t: Thread, op: string, args: MdArgs): Outcome | undefined {
    // Linux has no sysarch: its guard is PROT_BTI on the mapping (core answers EINVAL).
    if (op !== 'sysarch' || args.op !== 'guard_page' || k.abi === 'linux') return undefined;
    const addr = Number(args.addr ?? 0);
    const len = Number(args.len ?? 0);
    k.counters.add('bti.guard_calls');
    if (len === 0) return OK;
    const end = addr + len;
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(len) || addr < 0 || len < 0 || end >= k.userTop) return errno('EINVAL');
    const pmap = p.vmspace.pmap;
    if (!(pmap instanceof Arm64Pmap) || pmap.bti === null) return OK;
    const s = addr - (addr % PAGE_SIZE);
    const e = Math.ceil(end / PAGE_SIZE) * PAGE_SIZE;
    pmap.bti.add(s, e);
    pmap.syncGuardBits(s, e);
    return OK;
  }

  query(k: Kernel, p: Process, name: string, args: MdArgs): unknown {
    if (name !== 'guarded') return undefined;
    const va = Number(args.addr);
    const pmap = p.vmspace.pmap;
    if (!(pmap instanceof Arm64Pmap) || pmap.bti === null || p.vmspace.dead) return false;
    if (k.abi === 'linux') {
      const e = p.vmspace.map.entryAt(va);
      return e !== undefined && (e.mdFlags & ENTRY_BTI) !== 0;
    }
    return pmap.bti.contains(va);
  }

  entryFlags(k: Kernel, extra: string, _current: number, _op: 'mmap' | 'mprotect'): number | undefined {
    if (k.abi !== 'linux') return undefined;
    if (extra === 'bti') return k.config.features.bti === false ? undefined : ENTRY_BTI;
    // Under Linux every mprotect states the whole prot: without PROT_BTI the guard goes.
    if (extra === '') return 0;
    return undefined;
  }

  entryProtName(mdFlags: number): string | undefined {
    return (mdFlags & ENTRY_BTI) !== 0 ? 'bti' : undefined;
  }

  /** The viewer's side table: the guarded ranges (pm_bti; the PROT_BTI entries under Linux). */
  mdState(k: Kernel, p: Process): MdState | undefined {
    const pmap = p.vmspace.pmap;
    if (!(pmap instanceof Arm64Pmap) || pmap.bti === null || p.vmspace.dead) return undefined;
    const guards: { start: number; end: number }[] = [];
    if (k.abi === 'linux') {
      for (const e of p.vmspace.map.entries) if ((e.mdFlags & ENTRY_BTI) !== 0) guards.push({ start: e.start, end: e.end });
    } else for (const r of pmap.bti.intervals()) guards.push({ start: r.start, end: r.end });
    return { ranges: { bti_guards: guards } };
  }
}
