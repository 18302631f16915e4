import {
  Counters,
  EventBus,
  type EventSubscriber,
  type FaultRevalidatePolicy,
  type FaultWindow,
  type KGen,
  MachineConfig,
  type MachineSpec,
  OBJ_DEAD,
  OBJ_SPLIT,
  PAGE_SIZE,
  PG_RELEASED,
  PG_SWAPINPROG,
  PageService,
  PageStore,
  type Pager,
  PagerResult,
  PhysMem,
  Policies,
  type VmObject,
} from '@vmlab/core';
import { inject, injectable } from 'inversify';
import { SwapFaults } from './SwapFaults.ts';

/** A page the pager brought in around the faulting one (read-behind or read-ahead). */
export interface ClusterPage {
  readonly pindex: number;
  readonly frame: number;
}

/**
 * When the read-behind and read-ahead pages are allocated relative to the point where
 * getpages drops the object lock for an I/O buffer (policy `swap.readbehind`), and, as the
 * same change (r335171, D15293), whether the fault revalidates the map after the pager
 * slept: the swap pager's module binds core's FaultRevalidatePolicy to the bound strategy.
 */
export const SwapReadBehind = Symbol('SwapReadBehind');
export interface SwapReadBehind extends FaultRevalidatePolicy {
  /**
   * Allocates the cluster around `pindex` (busy, in `obj`) and waits for the I/O buffer
   * (`pager.waitForBuffer()`), in this strategy's order. Returns the cluster pages.
   */
  cluster(pager: SwapPager, obj: VmObject, pindex: number, w: FaultWindow): KGen<ClusterPage[]>;
}

/**
 * `before_unlock` (the D15293 fix, r335171): the cluster is allocated busy while the object
 * lock is still held, so a concurrent vm_object_split finds those pages busy and waits; an
 * object that is being split gets no clustering at all.
 */
export class AllocBeforeUnlock implements SwapReadBehind {
  /** The same fix made the fault look the map up again after the pager slept. */
  readonly afterPagerSleep = true;
  *cluster(pager: SwapPager, obj: VmObject, pindex: number, w: FaultWindow): KGen<ClusterPage[]> {
    const c = (obj.flags & (OBJ_SPLIT | OBJ_DEAD)) !== 0 ? [] : pager.allocCluster(obj, pindex, w);
    yield* pager.waitForBuffer();
    return c;
  }
}

/** Swap metadata of one object: page index → swap block. */
type SwapMeta = Map<number, number>;

/** The policy key `swap.cluster`: a positive number of pages. */
export function parseCluster(v: string): number | undefined {
  if (!/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 1024 ? n : undefined;
}

/**
 * The swap pager (FreeBSD sys/vm/swap_pager.c) for anonymous objects: a swap device of
 * `swap:` bytes in page-sized blocks whose contents live in a PageStore, per-object
 * metadata mapping page indices to blocks, clustered page-in, page-out, and the
 * bookkeeping hooks (blocks freed when a page is dirtied, when the object dies, when a
 * range is freed; moved with pages by split and collapse). The pages it brings in around a
 * faulting one come from the object layer's page service.
 *
 * It is also an event subscriber (bound in its package's module): what it does in answer to
 * the MI layer's lifecycle is a subscription, page I/O stays direct Pager calls.
 * - `map_delete` of an entry that was its object's only mapping of the range
 *   (`onlyMapping`): the range's blocks are freed (swap_pager_freespace from
 *   vm_map_entry_delete); at exit the same happens entry by entry, and the object's last
 *   reference frees the rest (`dealloc`).
 * - `swapout`: the pages it then writes for that command are counted as the whole-process
 *   swapout's (`swap.swapout_pages`).
 */
@injectable()
export class SwapPager implements Pager, EventSubscriber {
  readonly name = 'swap';
  /** Number of blocks of the swap device. */
  readonly nblocks: number;
  /** Block contents (slots for the blocks below freeMap.length). */
  readonly store: PageStore;
  /**
   * 1 per block in use. Grown by a quarter (at least 4096 blocks) when allocation first
   * reaches past it, never past nblocks: blocks at and above its length are free and have
   * no storage, so a large swap costs what its busiest moment used.
   */
  private freeMap: Uint8Array;
  private inUse = 0;
  /** Lowest block that may be free (allocation scans upward from here). */
  private hint = 0;
  /** Read-behind + read-ahead window in pages (`swap.cluster`). */
  readonly clusterPages: number;
  readonly faults: SwapFaults;
  /** The command (bus cause) of the whole-process swapout under way, or -1. */
  private swapoutCause = -1;

  constructor(
    @inject(MachineConfig) spec: MachineSpec,
    @inject(Policies) policies: Policies,
    @inject(PhysMem) readonly mem: PhysMem,
    @inject(PageService) readonly pages: PageService,
    @inject(EventBus) readonly bus: EventBus,
    @inject(Counters) readonly counters: Counters,
    @inject(SwapReadBehind) readonly readBehind: SwapReadBehind,
  ) {
    this.nblocks = Math.max(0, Math.floor(spec.swap / 4096));
    const initial = Math.min(this.nblocks, 4096);
    this.store = new PageStore(initial);
    this.freeMap = new Uint8Array(initial);
    this.clusterPages = parseCluster(policies['swap.cluster'] ?? '8') ?? 8;
    this.faults = new SwapFaults(spec.faults ?? {});
  }

  // --- lifecycle subscriptions ------------------------------------------------------------

  subscribe(bus: EventBus): void {
    bus.on('map_delete', this.name, (e) => {
      const o = e.object;
      if (o === null || !e.onlyMapping || o.pager !== this) return;
      // While pages are in I/O, a page the unmap released keeps its block (see dropBlocks).
      this.dropBlocks(o, e.pindex, e.pindex + (e.end - e.start) / PAGE_SIZE, o.pip !== 0);
    });
    bus.on('swapout', this.name, (e) => {
      this.swapoutCause = e.cause;
    });
  }

  // --- blocks ------------------------------------------------------------------------------

  private meta(obj: VmObject, create: boolean): SwapMeta | undefined {
    let m = obj.pagerData as SwapMeta | undefined;
    if (m === undefined && create) {
      m = new Map();
      obj.pagerData = m;
    }
    return m;
  }

  private allocBlock(): number {
    const n = this.freeMap.length;
    let b = this.hint;
    while (b < n && this.freeMap[b] !== 0) b++;
    if (b === n) {
      if (n === this.nblocks) return -1;
      const grown = new Uint8Array(Math.min(this.nblocks, n + Math.max(4096, n >>> 2)));
      grown.set(this.freeMap);
      this.freeMap = grown;
      this.store.growFrames(grown.length);
    }
    this.freeMap[b] = 1;
    this.inUse++;
    this.hint = b + 1;
    return b;
  }

  private freeBlock(b: number): void {
    this.freeMap[b] = 0;
    this.inUse--;
    this.store.clear(b);
    if (b < this.hint) this.hint = b;
  }

  /** The block holding (obj, pindex), or -1. */
  blockOf(obj: VmObject, pindex: number): number {
    return this.meta(obj, false)?.get(pindex) ?? -1;
  }

  used(): number {
    return this.inUse;
  }

  storedPages(obj: VmObject): number[] {
    return [...(this.meta(obj, false)?.keys() ?? [])].sort((a, b) => a - b);
  }

  // --- pager operations -------------------------------------------------------------------

  haspage(obj: VmObject, pindex: number): boolean {
    return this.meta(obj, false)?.has(pindex) ?? false;
  }

  /** Where getpages drops the object lock to get an I/O buffer (a scheduling point). */
  *waitForBuffer(): KGen<void> {
    yield { reason: 'swap_pager_getpages: wait for buffer' };
  }

  /**
   * The read-behind and read-ahead pages around `pindex`: the `swap.cluster` window aligned
   * on its size, clipped to the faulting entry and the object; behind the page downward and
   * ahead of it upward, each run stops at the first index that is resident or not on swap.
   * Pages are allocated busy in `obj` by the page service (without reclaim: a cluster page
   * is optional) and marked PG_SWAPINPROG (FreeBSD's VPO_SWAPINPROG) until the read is done:
   * an unmap under `fault.pager_relock: relock_busy` releases them (PG_RELEASED) rather
   * than sleep on them, and releaseCluster then frees them with their blocks.
   */
  allocCluster(obj: VmObject, pindex: number, w: FaultWindow): ClusterPage[] {
    const n = this.clusterPages;
    const m = this.meta(obj, false);
    if (n <= 1 || m === undefined) return [];
    const lo = Math.max(pindex - (pindex % n), w.entryStart, 0);
    const hi = Math.min(pindex - (pindex % n) + n, w.entryEnd, obj.size);
    const out: ClusterPage[] = [];
    for (let i = pindex - 1; i >= lo; i--) {
      if (!m.has(i) || this.pages.lookup(obj, i) !== -1) break;
      const f = this.pages.allocBusy(obj, i);
      if (f === -1) break;
      this.mem.flags[f] = (this.mem.flags[f] as number) | PG_SWAPINPROG;
      out.push({ pindex: i, frame: f });
    }
    out.reverse();
    for (let i = pindex + 1; i < hi; i++) {
      if (!m.has(i) || this.pages.lookup(obj, i) !== -1) break;
      const f = this.pages.allocBusy(obj, i);
      if (f === -1) break;
      this.mem.flags[f] = (this.mem.flags[f] as number) | PG_SWAPINPROG;
      out.push({ pindex: i, frame: f });
    }
    return out;
  }

  /**
   * The end of the read for the cluster pages: unbusied and kept (inactive) or freed. A page
   * an unmap released meanwhile (PG_RELEASED) is freed with its block, as UVM's owner of a
   * released page does (uvm_pager_dropcluster, uvm_anon_release).
   */
  private releaseCluster(obj: VmObject, c: readonly ClusterPage[], keep: boolean): void {
    const pages = this.pages;
    const flags = this.mem.flags;
    for (const p of c) {
      const f = p.frame;
      const released = ((flags[f] as number) & PG_RELEASED) !== 0;
      flags[f] = (flags[f] as number) & ~(PG_SWAPINPROG | PG_RELEASED);
      pages.unbusy(obj, f);
      if (released) {
        pages.free(obj, f);
        this.freeRange(obj, p.pindex, p.pindex + 1);
      } else if (keep) pages.deactivate(f);
      else pages.free(obj, f);
    }
  }

  /**
   * swap_pager_getpages: reads the page at `pindex` (already allocated busy in `obj` by the
   * fault) and its cluster. The cluster is allocated before or after the lock is dropped
   * for the I/O buffer, as the `swap.readbehind` strategy says. A read error frees the
   * cluster and reports PagerResult.Error; the swap copies stay.
   */
  *getpages(obj: VmObject, pindex: number, frame: number, w: FaultWindow): KGen<PagerResult> {
    if (!this.haspage(obj, pindex)) return PagerResult.Bad;
    const cluster = yield* this.readBehind.cluster(this, obj, pindex, w);
    const b = this.blockOf(obj, pindex);
    if (b === -1 || this.faults.hit('swap_read')) {
      this.releaseCluster(obj, cluster, false);
      return b === -1 ? PagerResult.Bad : PagerResult.Error;
    }
    const mem = this.mem;
    mem.contents.copyFrom(frame, this.store, b);
    const got: ClusterPage[] = [];
    const lost: ClusterPage[] = [];
    for (const p of cluster) {
      const pb = this.blockOf(obj, p.pindex);
      if (pb === -1) lost.push(p);
      else {
        mem.contents.copyFrom(p.frame, this.store, pb);
        got.push(p);
      }
    }
    this.releaseCluster(obj, lost, false);
    this.releaseCluster(obj, got, true);
    for (const p of got) this.bus.emit({ kind: 'pagein', object: obj.id, pindex: p.pindex, count: 1 });
    return PagerResult.Ok;
  }

  /**
   * swap_pager_putpages: writes each frame to its page's block (the block it already has,
   * or a new one). False when the swap is full or the write fails: the caller keeps the
   * pages dirty and resident.
   */
  putpages(obj: VmObject, frames: readonly number[]): boolean {
    const mem = this.mem;
    let ok = true;
    for (const f of frames) {
      const pi = mem.pindexOf(f);
      const m = this.meta(obj, true)!;
      let b = m.get(pi) ?? -1;
      const fresh = b === -1;
      if (fresh) b = this.allocBlock();
      if (b === -1) {
        ok = false;
        continue;
      }
      if (this.faults.hit('swap_write')) {
        if (fresh) this.freeBlock(b);
        ok = false;
        continue;
      }
      this.store.copyFrom(b, mem.contents, f);
      m.set(pi, b);
      obj.noteContent();
      if (this.bus.cause === this.swapoutCause) this.counters.add('swap.swapout_pages');
    }
    return ok;
  }

  /** swap_pager_unswapped: a dirtied page's swap copy is stale; its block is freed. */
  pageDirtied(obj: VmObject, pindex: number): void {
    this.freeRange(obj, pindex, pindex + 1);
  }

  freeRange(obj: VmObject, start: number, end: number): void {
    this.dropBlocks(obj, start, end, false);
  }

  /**
   * Frees the blocks of [start, end). With `keepReleased` (an unmap while pages are in I/O),
   * a page the unmap released (PG_RELEASED, UVM's uvm_anfree of a busy anon) keeps its block,
   * which its page-in is reading; the fault frees both when it is done (uvm_anon_release,
   * uvm_anon_dropswap).
   */
  private dropBlocks(obj: VmObject, start: number, end: number, keepReleased: boolean): void {
    const m = this.meta(obj, false);
    if (m === undefined) return;
    const flags = this.mem.flags;
    for (const [i, b] of m) {
      if (i < start || i >= end) continue;
      if (keepReleased) {
        const f = this.pages.lookup(obj, i);
        if (f !== -1 && ((flags[f] as number) & PG_RELEASED) !== 0) continue;
      }
      this.freeBlock(b);
      m.delete(i);
      obj.noteContent();
    }
  }

  dealloc(obj: VmObject): void {
    const m = this.meta(obj, false);
    if (m === undefined) return;
    for (const b of m.values()) this.freeBlock(b);
    m.clear();
    obj.pagerData = undefined;
    obj.noteContent();
  }

  /**
   * swap_pager_copy: the blocks of src's [start, start+count) move to dst at
   * index - start + dstStart. With `keepExisting` (collapse) what dst already has, on swap
   * or resident, wins and src's block is freed; otherwise (split) src's block replaces it.
   */
  copy(src: VmObject, dst: VmObject, start: number, count: number, dstStart: number, keepExisting: boolean): void {
    const sm = this.meta(src, false);
    if (sm === undefined) return;
    const moving = [...sm].filter(([i]) => i >= start && i < start + count).sort((a, b) => a[0] - b[0]);
    if (moving.length === 0) return;
    const dm = this.meta(dst, true)!;
    src.noteContent();
    dst.noteContent();
    for (const [i, b] of moving) {
      sm.delete(i);
      const di = i - start + dstStart;
      const old = dm.get(di);
      if (keepExisting && (old !== undefined || this.pages.lookup(dst, di) !== -1)) {
        this.freeBlock(b);
        continue;
      }
      if (old !== undefined) this.freeBlock(old);
      dm.set(di, b);
    }
  }
}
