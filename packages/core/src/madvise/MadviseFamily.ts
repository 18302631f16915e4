import { PAGE_SIZE, VM_PROT_WRITE } from '../abi/constants.ts';
import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { MAP_ENTRY_NEEDS_COPY, type VmMapEntry } from '../map/VmMapEntry.ts';
import { PG_BUSY, PG_DIRTY, PG_REUSABLE, PQ_INACTIVE } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import { pmapRemove } from '../pmap/pmapCalls.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { MadvisePolicy, VmContext } from '../vm/VmContext.ts';

/** `madvise.free_on_shadow`: which objects MADV_FREE acts on (values: policy/MadvisePolicy.ts). */
export type FreeApplies = (o: VmObject) => boolean;

/** `madvise.reuse`: what MADV_FREE_REUSE does to the pages it takes back. */
export interface ReuseMode {
  readonly value: string;
  /** A page taken back by REUSE: frame -1 if it was reclaimed while reusable. */
  reuse(ctx: VmContext, o: VmObject, pindex: number, frame: number): void;
}

/** `madvise.reusable_fault`: whether a fault on a page in the reusable state is fatal. */
export interface ReusableFault {
  readonly value: string;
  /** True if a fault on a reusable page fails (SIGSEGV/SEGV_ACCERR). */
  readonly fatal: boolean;
}

/** The (object, index) of the page at va through entry e's own object, if it has one. */
function firstIndex(e: VmMapEntry, va: number): number {
  return e.offset + (va - e.start) / PAGE_SIZE;
}

/**
 * The madvise family (FreeBSD sys/vm/vm_map.c vm_map_madvise and vm_object.c
 * vm_object_madvise; XNU vm_map_reusable_pages / vm_map_reuse_pages; MADV_ZERO): FreeBSD's
 * dontneed, free and willneed, MADV_ZERO, and XNU's free_reusable, free_reuse and
 * can_reuse. The parts that vary are policy values given to the constructor
 * (`madvise.free_on_shadow`, `madvise.reuse`, `madvise.reusable_fault`; policy/MadvisePolicy.ts).
 */
export class MadviseFamily implements MadvisePolicy {
  /**
   * Per object, the indices in the reusable state (set by REUSABLE, cleared by REUSE). A Map,
   * not a WeakMap: explore's machine snapshots walk the machine's state, and a WeakMap's
   * entries cannot be enumerated (the map lives as long as the machine does).
   */
  private readonly reusable = new Map<VmObject, Set<number>>();

  constructor(
    readonly applies: FreeApplies,
    readonly reuseMode: ReuseMode,
    readonly reusableFault: ReusableFault,
  ) {}

  faultDenied(_ctx: VmContext, _vms: Vmspace, e: VmMapEntry, va: number): boolean {
    if (!this.reusableFault.fatal || e.object === null) return false;
    return this.reusable.get(e.object)?.has(firstIndex(e, va - (va % PAGE_SIZE))) === true;
  }

  *madvise(ctx: VmContext, p: Process, _t: Thread, start: number, end: number, advice: string): KGen<Outcome> {
    switch (advice) {
      case 'willneed':
        return OK;
      case 'dontneed':
        if (ctx.abi === 'linux') return this.linuxDontneed(ctx, p.vmspace, start, end);
        return this.freebsd(ctx, p.vmspace, start, end, advice);
      case 'free':
        return this.freebsd(ctx, p.vmspace, start, end, advice);
      case 'zero':
        return this.zero(ctx, p.vmspace, start, end);
      case 'free_reusable':
        return this.reusableOp(ctx, p.vmspace, start, end);
      case 'free_reuse':
        return this.reuseOp(ctx, p.vmspace, start, end);
      case 'can_reuse':
        return p.vmspace.map.covered(start, end) ? OK : errno('EINVAL');
      default:
        return errno('EINVAL');
    }
  }

  /**
   * MADV_DONTNEED under abi linux (mm/madvise.c madvise_dontneed_single_vma → zap_page_range):
   * the range's page-table entries go, and a private mapping's anonymous pages go with them
   * (with their swap copies), so the next access faults afresh: zero-filled in an anonymous
   * mapping, the file's page again in a private file mapping (the copy-on-write copies are
   * discarded). A locked area (VM_LOCKED) is EINVAL (madvise_dontneed_free_valid_vma).
   * Shared mappings keep their pages (page cache, shmem). The model discards only the pages
   * of the entry's own anonymous object (one reference); pages of an anonymous object still
   * shared with a fork child are unmapped but stay visible through the chain (Linux would
   * fault the file's page in), a known divergence.
   */
  private linuxDontneed(ctx: VmContext, vms: Vmspace, start: number, end: number): Outcome {
    const map = vms.map;
    const mem = ctx.mem;
    for (let i = map.lowerBound(start); i < map.entries.length && map.entries[i]!.start < end; i++) {
      const e = map.entries[i]!;
      if (e.wired) return errno('EINVAL');
      const s = Math.max(start, e.start);
      const t = Math.min(end, e.end);
      pmapRemove(ctx.bus, vms.pmap, s, t, 'madvise');
      const top = e.object;
      if (top === null || e.shared || top.type !== 'anon' || top.refCount !== 1) continue;
      const lo = firstIndex(e, s);
      const hi = firstIndex(e, t);
      const frames: number[] = [];
      for (let f = top.memq; f !== -1; f = mem.listNextOf(f)) {
        const pi = mem.pindexOf(f);
        if (pi >= lo && pi < hi && ((mem.flags[f] as number) & PG_BUSY) === 0 && mem.wireCountOf(f) === 0) frames.push(f);
      }
      for (const f of frames) ctx.objects.freePage(top, f);
      top.pager.freeRange?.(top, lo, hi);
    }
    return OK;
  }

  private freebsd(ctx: VmContext, vms: Vmspace, start: number, end: number, advice: string): Outcome {
    const map = vms.map;
    const mem = ctx.mem;
    for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
      const s = Math.max(start, e.start);
      const t = Math.min(end, e.end);
      if (advice === 'dontneed') vms.pmap.advise(s, t, 'dontneed');
      if (e.object === null) continue;
      const top = e.object;
      const lo = firstIndex(e, s);
      const hi = firstIndex(e, t);
      if (top.backing === null && hi - lo > top.resident) {
        // No shadow chain: visit the resident pages, not every index of the range (as
        // vm_object_madvise skips a non-resident run in constant time), and free the
        // range's backing store at once.
        if (advice === 'free' && !this.applies(top)) continue;
        const frames: number[] = [];
        for (let f = top.memq; f !== -1; f = mem.listNextOf(f)) {
          const pi = mem.pindexOf(f);
          if (pi >= lo && pi < hi) frames.push(f);
        }
        for (const f of frames) {
          if (advice === 'free') {
            ctx.pages.clearModify(f);
            mem.flags[f] = (mem.flags[f] as number) & ~PG_DIRTY;
          }
          if (mem.wireCountOf(f) === 0) mem.enqueue(f, PQ_INACTIVE);
        }
        if (advice === 'free') top.pager.freeRange?.(top, lo, hi);
        continue;
      }
      for (let va = s; va < t; va += PAGE_SIZE) {
        let o: VmObject | null = e.object;
        let pi = firstIndex(e, va);
        if (advice === 'free' && !this.applies(o)) continue;
        while (o !== null) {
          const f = ctx.objects.lookupPage(o, pi);
          if (f !== -1) {
            if (advice === 'free') {
              // The page's contents may be discarded: clean it, drop its backing copy,
              // and put it first in line for reclaim.
              ctx.pages.clearModify(f);
              mem.flags[f] = (mem.flags[f] as number) & ~PG_DIRTY;
              o.pager.freeRange?.(o, pi, pi + 1);
            }
            if (mem.wireCountOf(f) === 0) mem.enqueue(f, PQ_INACTIVE);
            break;
          }
          if (advice === 'free') o.pager.freeRange?.(o, pi, pi + 1);
          pi += o.backingOffset;
          o = o.backing;
          if (o !== null && advice === 'free' && !this.applies(o)) break;
        }
      }
    }
    return OK;
  }

  /** XNU's "private enough" test (T5.6): one reference, no shadow, anonymous. */
  private privateEnough(o: VmObject): boolean {
    return o.isAnon && o.refCount === 1 && o.backing === null && o.shadows.size === 0;
  }

  /** MADV_FREE_REUSABLE (vm_map_reusable_pages, T5.6–T5.7). */
  private reusableOp(ctx: VmContext, vms: Vmspace, start: number, end: number): Outcome {
    const map = vms.map;
    if (!map.covered(start, end)) return errno('EINVAL');
    const entries = this.entriesIn(vms, start, end);
    for (const e of entries) if ((e.prot & VM_PROT_WRITE) === 0) return errno('EPERM');
    const mem = ctx.mem;
    for (const e of entries) {
      const o = e.object;
      if (o === null) continue;
      if (!this.privateEnough(o)) {
        ctx.counters.add('reusable.shared');
        continue;
      }
      const s = Math.max(start, e.start);
      const t = Math.min(end, e.end);
      let set = this.reusable.get(o);
      if (set === undefined) {
        set = new Set();
        this.reusable.set(o, set);
      }
      for (let va = s; va < t; va += PAGE_SIZE) {
        const pi = firstIndex(e, va);
        set.add(pi);
        o.pager.freeRange?.(o, pi, pi + 1);
        const f = ctx.objects.lookupPage(o, pi);
        if (f === -1 || ((mem.flags[f] as number) & PG_BUSY) !== 0 || mem.wireCountOf(f) > 0) continue;
        ctx.pages.clearModify(f);
        mem.flags[f] = ((mem.flags[f] as number) & ~PG_DIRTY) | PG_REUSABLE;
        mem.enqueue(f, PQ_INACTIVE);
        ctx.counters.add('reusable.pages');
      }
      // Under a fatal reusable-fault policy the range must fault again to be checked.
      if (this.reusableFault.fatal) pmapRemove(ctx.bus, vms.pmap, s, t, 'madvise');
    }
    return OK;
  }

  /** MADV_FREE_REUSE (vm_map_reuse_pages / vm_object_reuse_pages, T5.8a). */
  private reuseOp(ctx: VmContext, vms: Vmspace, start: number, end: number): Outcome {
    if (!vms.map.covered(start, end)) return errno('EINVAL');
    const mem = ctx.mem;
    for (const e of this.entriesIn(vms, start, end)) {
      const o = e.object;
      if (o === null) continue;
      const set = this.reusable.get(o);
      const s = Math.max(start, e.start);
      const t = Math.min(end, e.end);
      for (let va = s; va < t; va += PAGE_SIZE) {
        const pi = firstIndex(e, va);
        const f = ctx.objects.lookupPage(o, pi);
        const wasReusable = set?.delete(pi) === true;
        if (f !== -1 && ((mem.flags[f] as number) & PG_REUSABLE) !== 0) {
          mem.flags[f] = (mem.flags[f] as number) & ~PG_REUSABLE;
          this.reuseMode.reuse(ctx, o, pi, f);
        } else if (wasReusable) {
          this.reuseMode.reuse(ctx, o, pi, -1);
        }
      }
    }
    return OK;
  }

  /**
   * MADV_ZERO (T5.10 madvise_zero): the range reads zero afterwards. A page of a private
   * anonymous object with nothing below is freed (its next touch zero-fills); otherwise a
   * zeroed page is put in the entry's own object, above whatever it shadows.
   */
  private zero(ctx: VmContext, vms: Vmspace, start: number, end: number): Outcome {
    if (!vms.map.covered(start, end)) return errno('EINVAL');
    const entries = this.entriesIn(vms, start, end);
    for (const e of entries) {
      if ((e.prot & VM_PROT_WRITE) === 0) return errno('EPERM');
      if (e.shared && e.file !== null) return errno('EINVAL');
    }
    const mem = ctx.mem;
    for (const e of entries) {
      if (e.object !== null && (e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0 && !e.shared) {
        const s = ctx.objects.shadow(e.object, e.offset, e.pages, ctx.anonPager);
        if (s !== e.object) {
          e.object = s;
          e.offset = 0;
        }
        e.eflags &= ~MAP_ENTRY_NEEDS_COPY;
        vms.map.timestamp++;
      }
      const o = e.object;
      if (o === null) continue;
      const s = Math.max(start, e.start);
      const t = Math.min(end, e.end);
      pmapRemove(ctx.bus, vms.pmap, s, t, 'madvise');
      for (let va = s; va < t; va += PAGE_SIZE) {
        const pi = firstIndex(e, va);
        let f = ctx.objects.lookupPage(o, pi);
        o.pager.freeRange?.(o, pi, pi + 1);
        if (o.backing === null && o.isAnon) {
          if (f !== -1 && mem.wireCountOf(f) === 0 && ((mem.flags[f] as number) & PG_BUSY) === 0) {
            ctx.pages.removeAll(f);
            ctx.objects.freePage(o, f);
          } else if (f !== -1) {
            mem.contents.fill(f, 0);
          }
          continue;
        }
        if (f === -1) {
          f = ctx.objects.allocPage(o, pi);
          if (f === -1) return errno('ENOMEM');
          ctx.objects.activate(f);
        }
        mem.contents.fill(f, 0);
        ctx.objects.markDirty(o, f);
      }
    }
    return OK;
  }

  private entriesIn(vms: Vmspace, start: number, end: number): VmMapEntry[] {
    const map = vms.map;
    const out: VmMapEntry[] = [];
    for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) out.push(e);
    return out;
  }
}
