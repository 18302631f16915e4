import {
  ArchOps,
  EventBus,
  type EventSubscriber,
  type Invariant,
  Kernel,
  type Machine,
  MapDeletePolicy,
  type MdArgs,
  type MdState,
  type Outcome,
  PAGE_SIZE,
  type Pmap,
  type Process,
  type Thread,
  type Violation,
  errno,
  liveVmspaces,
  OK,
} from '@vmlab/core';
import { inject, injectable } from 'inversify';
import { Arm64Pmap } from './Arm64Pmap.ts';
import { GuardRangeset } from './GuardRangeset.ts';

/** VmMapEntry.mdFlags bit for Linux's PROT_BTI (a per-VMA attribute under `abi: linux`). */
export const ENTRY_BTI = 1;

function btiOf(p: Pmap): GuardRangeset | null {
  return p instanceof Arm64Pmap ? p.bti : null;
}

/**
 * The arm64 MD system call and queries: `sysarch guard_page` (ARM64_GUARD_PAGE → pmap_bti_set,
 * T2.3), `check guarded`, and PROT_BTI as an entry attribute under `abi: linux` (T2.6).
 * PKRU operations are not this arch's: they fall through to core's EINVAL / EOPNOTSUPP.
 */
export class Arm64Ops implements ArchOps {
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

/**
 * Keeps each pmap's guarded ranges in step with the MI lifecycle (T2.5), from bus events
 * only: `map_delete` drops (unless map_delete.skips=freebsd finds the pmap empty), `fork`
 * copies, `exec` / `teardown` clear, `pmap_destroy` frees. Physical removals (swapout,
 * msync invalidate, mprotect, revoke) never reach it. Under `abi: linux` the ranges mirror
 * the entries' PROT_BTI (`mmap`, `protect`).
 */
@injectable()
export class BtiSubscriber implements EventSubscriber {
  readonly name = 'arm64-bti';
  constructor(
    @inject(MapDeletePolicy) private readonly mapDelete: MapDeletePolicy,
    @inject(Kernel) private readonly k: Kernel,
  ) {}

  subscribe(bus: EventBus): void {
    const counters = this.k.counters;
    bus.on('map_delete', this.name, (e) => {
      const b = btiOf(e.pmap);
      if (b === null) return;
      if (this.mapDelete.pmapEarlyReturn && e.pmap.residentCount === 0) return;
      if (b.remove(e.start, e.end)) counters.add('bti.drops');
    });
    bus.on('fork', this.name, (e) => {
      const from = btiOf(e.pmap);
      const to = btiOf(e.childPmap);
      if (from === null || to === null) return;
      to.copyFrom(from);
      counters.add('bti.copies');
    });
    const clear = (p: Pmap) => {
      const b = btiOf(p);
      if (b !== null && b.size > 0) {
        b.clear();
        counters.add('bti.clears');
      }
    };
    bus.on('exec', this.name, (e) => clear(e.pmap));
    bus.on('teardown', this.name, (e) => clear(e.pmap));
    bus.on('pmap_destroy', this.name, (e) => {
      if (e.pmap instanceof Arm64Pmap) e.pmap.bti = null;
    });
    if (this.k.abi === 'linux') {
      bus.on('mmap', this.name, (e) => {
        const b = btiOf(e.pmap);
        if (b !== null && (e.mdFlags & ENTRY_BTI) !== 0) b.add(e.start, e.end);
      });
      bus.on('protect', this.name, (e) => {
        const pmap = e.pmap;
        if (!(pmap instanceof Arm64Pmap) || pmap.bti === null) return;
        const p = this.k.proc(e.pid);
        if (p === undefined) return;
        for (const en of p.vmspace.map.entries) {
          if (en.end <= e.start || en.start >= e.end) continue;
          const s = Math.max(en.start, e.start);
          const t = Math.min(en.end, e.end);
          if ((en.mdFlags & ENTRY_BTI) !== 0) pmap.bti.add(s, t);
          else pmap.bti.remove(s, t);
        }
        pmap.syncGuardBits(e.start, e.end);
      });
    }
  }
}

/** `guard_lifetime`: GP bits agree with the rangeset, the rangeset stays in user space, and under Linux it is exactly the PROT_BTI entries. */
export const guardLifetime: Invariant = {
  name: 'guard_lifetime',
  description: 'every present PTE is guarded exactly when its pmap rangeset covers it; guards lie in user space; under abi linux the rangeset is the PROT_BTI entries',
  check(m: Machine, out: Violation[]): void {
    const k = m.kernel;
    for (const vms of liveVmspaces(k)) {
      const pmap = vms.pmap;
      if (!(pmap instanceof Arm64Pmap)) continue;
      const b = pmap.bti;
      for (const { start: s, end: e } of b?.intervals() ?? []) {
        if (s < 0 || e > k.userTop) out.push({ invariant: 'guard_lifetime', message: `pmap ${pmap.id}: guard [0x${s.toString(16)}, 0x${e.toString(16)}) outside user space` });
      }
      pmap.forEachMapping(vms.map.min, vms.map.max, (va) => {
        const want = b !== null && b.contains(va);
        if (pmap.pteGuarded(va) !== want) {
          out.push({ invariant: 'guard_lifetime', message: `pmap ${pmap.id}: PTE at 0x${va.toString(16)} guarded=${!want} but rangeset says ${want}` });
        }
      });
      if (k.abi === 'linux' && b !== null) {
        const want = new GuardRangeset();
        for (const en of vms.map.entries) if ((en.mdFlags & ENTRY_BTI) !== 0) want.add(en.start, en.end);
        if (!want.sameCoverage(b)) out.push({ invariant: 'guard_lifetime', message: `pmap ${pmap.id}: guarded ranges differ from the PROT_BTI entries` });
      }
    }
  },
};
