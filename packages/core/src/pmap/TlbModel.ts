import { PAGE_SIZE } from '../abi/constants.ts';
import type { PhysMem } from '../mem/PhysMem.ts';
import type { Counters } from '../vm/Counters.ts';

/** A cached translation is stored as `bits * TLB_FRAME_MUL + frame` (frames below 2^31, PTE bits below 2^22). */
export const TLB_FRAME_MUL = 0x80000000;
const VPN_MUL = 2 ** 36;

/**
 * The machine's TLBs (one per CPU, unbounded): translations (pmap id, vpn) → frame and PTE
 * bits, filled by SoftPmap.translate when the pmap is active on another CPU too, removed by
 * invalidations. With `tlb.shootdown: deferred` invalidations for other CPUs are queued and
 * completed at that CPU's next `context_switch`, or for one frame when the frame is reused
 * (PhysMem allocation). Only built on machines with more than one CPU: on one CPU every
 * invalidation is local and immediate, so a TLB could never be stale.
 */
/** Entries per CPU's TLB (a second-level TLB's order of magnitude); the oldest is evicted. */
export const TLB_ENTRIES = 1024;

export class TlbModel {
  /** The CPU performing the current operation (set by the runner per step). */
  curCpu = 0;
  /** tlb.shootdown = deferred (set by its policy module). */
  deferred = false;
  private readonly entries: Map<number, number>[] = [];
  /** PhysMem allocation generation of the frame when the entry was filled. */
  private readonly fillGen: Map<number, number>[] = [];
  /** Per CPU: queued invalidations, flat [pmapId, startVpn, endVpn, ...]. */
  private readonly pending: number[][] = [];
  /**
   * Per frame some TLB entry caches: how many entries cache it, and how many times it has
   * been allocated again since the first of them was filled (absent: 0). A frame no entry
   * caches needs neither, so the model costs nothing per physical page: a generation only
   * has to tell whether the frame was reused between an entry's fill and now, and that
   * entry keeps the frame's record alive for as long as it exists.
   */
  private readonly frameRefs = new Map<number, number>();
  private readonly frameGen = new Map<number, number>();

  constructor(
    readonly cpus: number,
    mem: PhysMem,
    private readonly counters: Counters,
  ) {
    for (let i = 0; i < cpus; i++) {
      this.entries.push(new Map());
      this.fillGen.push(new Map());
      this.pending.push([]);
    }
    mem.onAlloc = (f) => this.reused(f);
  }

  /** How many times `frame` was allocated again since the oldest TLB entry caching it was filled. */
  generation(frame: number): number {
    return this.frameGen.get(frame) ?? 0;
  }

  /** Frames some TLB entry caches (each with its reference count); for tests of the representation. */
  get cachedFrames(): number {
    return this.frameRefs.size;
  }

  private ref(frame: number): void {
    this.frameRefs.set(frame, (this.frameRefs.get(frame) ?? 0) + 1);
  }

  private unref(value: number): void {
    const frame = value % TLB_FRAME_MUL;
    const n = (this.frameRefs.get(frame) ?? 0) - 1;
    if (n > 0) {
      this.frameRefs.set(frame, n);
      return;
    }
    this.frameRefs.delete(frame);
    this.frameGen.delete(frame);
  }

  /** Drops entry `key` of `cpu`'s TLB; false if it had none. */
  private drop(cpu: number, key: number): boolean {
    const m = this.entries[cpu]!;
    const v = m.get(key);
    if (v === undefined) return false;
    m.delete(key);
    this.fillGen[cpu]!.delete(key);
    this.unref(v);
    return true;
  }

  /** The cached value for (pmap, vpn) on a CPU, or -1. */
  lookup(cpu: number, pmap: number, vpn: number): number {
    return this.entries[cpu]!.get(pmap * VPN_MUL + vpn) ?? -1;
  }

  fill(cpu: number, pmap: number, vpn: number, frame: number, bits: number): void {
    const key = pmap * VPN_MUL + vpn;
    const m = this.entries[cpu]!;
    const old = m.get(key);
    if (old !== undefined) this.unref(old);
    else if (m.size >= TLB_ENTRIES) {
      // A full TLB evicts its oldest entry (Map order is fill order).
      this.drop(cpu, m.keys().next().value as number);
    }
    m.set(key, bits * TLB_FRAME_MUL + frame);
    this.ref(frame);
    this.fillGen[cpu]!.set(key, this.generation(frame));
  }

  /** Drops a CPU's translations of pmap in [start, end) (bytes). */
  flush(cpu: number, pmap: number, start: number, end: number): void {
    const m = this.entries[cpu]!;
    if (m.size === 0) return;
    const s = Math.floor(start / PAGE_SIZE);
    const e = Math.ceil(Math.min(end, Number.MAX_SAFE_INTEGER) / PAGE_SIZE);
    const g = this.fillGen[cpu]!;
    if (e - s <= 64) {
      for (let v = s; v < e; v++) this.drop(cpu, pmap * VPN_MUL + v);
      return;
    }
    for (const [key, value] of m) {
      const p = Math.floor(key / VPN_MUL);
      const v = key - p * VPN_MUL;
      if (p === pmap && v >= s && v < e) {
        m.delete(key);
        g.delete(key);
        this.unref(value);
      }
    }
  }

  /** Queues an invalidation for a CPU (deferred shootdown). */
  queue(cpu: number, pmap: number, start: number, end: number): void {
    this.pending[cpu]!.push(pmap, start, end);
  }

  /** Drops a queued invalidation of exactly [start, end) for pmap on a CPU (it is being done now). */
  unqueue(cpu: number, pmap: number, start: number, end: number): boolean {
    const q = this.pending[cpu]!;
    for (let i = 0; i < q.length; i += 3) {
      if (q[i] === pmap && q[i + 1] === start && q[i + 2] === end) {
        q.splice(i, 3);
        return true;
      }
    }
    return false;
  }

  /** Completes a CPU's queued invalidations (its context switch). Returns how many. */
  completePending(cpu: number): number {
    const q = this.pending[cpu]!;
    const n = q.length / 3;
    for (let i = 0; i < q.length; i += 3) this.flush(cpu, q[i]!, q[i + 1]!, q[i + 2]!);
    q.length = 0;
    if (n > 0) this.counters.add('tlb.deferred_done', n);
    return n;
  }

  /** Whether a queued invalidation of `cpu` covers (pmap, vpn). */
  isPending(cpu: number, pmap: number, vpn: number): boolean {
    const q = this.pending[cpu]!;
    const va = vpn * PAGE_SIZE;
    for (let i = 0; i < q.length; i += 3) if (q[i] === pmap && va >= q[i + 1]! && va < q[i + 2]!) return true;
    return false;
  }

  /** A frame is being allocated again: no CPU may still translate to its previous life. */
  private reused(frame: number): void {
    if (this.frameRefs.size === 0) return;
    const gen = this.frameGen.get(frame);
    if (this.frameRefs.has(frame)) this.frameGen.set(frame, (gen ?? 0) + 1);
    if (!this.deferred) return;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const m = this.entries[cpu]!;
      if (m.size === 0 || this.pending[cpu]!.length === 0) continue;
      let hit = false;
      for (const [key, v] of m) {
        if (v % TLB_FRAME_MUL !== frame) continue;
        m.delete(key);
        this.fillGen[cpu]!.delete(key);
        this.unref(v);
        hit = true;
      }
      if (hit) this.counters.add('tlb.reuse_flush');
    }
  }

  /** Every cached translation: (cpu, pmap id, vpn, frame, bits, generation at fill). */
  forEach(fn: (cpu: number, pmap: number, vpn: number, frame: number, bits: number, gen: number) => void): void {
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const g = this.fillGen[cpu]!;
      for (const [key, v] of this.entries[cpu]!) {
        const p = Math.floor(key / VPN_MUL);
        const bits = Math.floor(v / TLB_FRAME_MUL);
        fn(cpu, p, key - p * VPN_MUL, v - bits * TLB_FRAME_MUL, bits, g.get(key) ?? 0);
      }
    }
  }
}
