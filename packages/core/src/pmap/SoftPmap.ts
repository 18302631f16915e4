import { Access, PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import type { SignalInfo } from '../abi/outcome.ts';
import { PG_DIRTY, PG_REFERENCED } from '../mem/PhysMem.ts';
import { MAX_VPN, SoftPageTable } from '../mem/SoftPageTable.ts';
import type { BranchKind, Pmap, PmapThread, PteInfo } from './Pmap.ts';
import { MD_FAULT, NEEDS_FAULT } from './Pmap.ts';
import type { PmapContext } from './PmapContext.ts';
import type { ChangeOwner } from '../invariants/ChangeLog.ts';
import { TLB_FRAME_MUL, type TlbModel } from './TlbModel.ts';
import { emitTlbInvalidate } from '../events/emit.ts';

/** PTEs per leaf table (a leaf's slots are consecutive: slot = leaf * 512 + (vpn & 511)). */
const LEAF_PAGES = 512;

/** 1 / PAGE_SIZE (a power of two, so va * INV_PAGE_SIZE is exactly va / PAGE_SIZE). */
const INV_PAGE_SIZE = 1 / PAGE_SIZE;

/** Generic PTE bits of the software page table; bits from MD_SHIFT up belong to the MD pmap. */
export const PTE_V = 1;
export const PTE_R = 2;
export const PTE_W = 4;
export const PTE_X = 8;
export const PTE_A = 16;
export const PTE_D = 32;
export const PTE_WIRED = 64;
export const PTE_MD_SHIFT = 8;

/**
 * The software page-table base every simulated pmap builds on: a 4-level radix table in
 * typed arrays, reverse mappings in the machine's PvTable, referenced/modified bits, and
 * hooks for what is machine-dependent (extra PTE bits at insertion, the MD access check,
 * how a TLB invalidation reaches other CPUs).
 */
export abstract class SoftPmap implements Pmap {
  readonly id: number;
  protected readonly pt = new SoftPageTable();
  /** CPUs on which this pmap is active (bit per CPU). */
  protected activeCpus = 0;
  /** The machine's TLBs, or null on one CPU. */
  protected readonly tlb: TlbModel | null;
  protected lastFault: SignalInfo = { signal: 'SIGSEGV', code: 'SEGV_ACCERR', addr: 0 };
  private destroyed = false;

  constructor(
    protected readonly ctx: PmapContext,
    readonly kernel: boolean,
  ) {
    this.id = ctx.nextId();
    ctx.register(this);
    this.tlb = ctx.tlb;
  }

  /**
   * Who is told of every page-table change (the vmspace: Vmspace sets it; the incremental
   * invariant checks). An MD pmap calls `noteChange()` when MD state an invariant reads
   * changes (a rangeset: Rangeset.owner).
   */
  get changeOwner(): ChangeOwner | null {
    return this.pt.owner;
  }
  set changeOwner(o: ChangeOwner | null) {
    this.pt.owner = o;
  }

  noteChange(): void {
    this.pt.owner?.noteChange();
  }

  // --- MD hooks -------------------------------------------------------------------------
  /** MD bits (already shifted by PTE_MD_SHIFT) a new PTE at va takes. */
  protected mdBits(_va: number): number {
    return 0;
  }
  /** MD check of a present, rights-OK translation; false refuses (set `lastFault`). */
  protected mdCheck(_va: number, _bits: number, _access: number, _thread: PmapThread, _branch: BranchKind | undefined, _frame: number): boolean {
    return true;
  }
  /** Whether this pmap has any MD check (skips the call on the hot path when false). */
  protected hasMdCheck = false;
  /**
   * The PTE bits whose presence makes a same-CPU translation call `mdCheck`; a PTE without
   * any of them is checked only for a thread whose `mdStrict` is set. The default (every
   * bit: always check) suits any MD check; a pmap whose check can refuse only pages that
   * carry its MD bits narrows it (amd64: the key bits; arm64: the guarded-page bit).
   */
  protected mdCheckBits = 0xffff;
  /** MD fields of `check pte`. */
  protected mdPteInfo(_bits: number, _info: PteInfo): void {}
  /**
   * Invalidates cached translations of [start, end) on every CPU where this pmap is active:
   * the current CPU at once, the others by `shootdown` (or queued under deferred shootdown).
   */
  protected invalidate(start: number, end: number): void {
    const bus = this.ctx.bus;
    const tlb = this.tlb;
    if (tlb === null) {
      emitTlbInvalidate(bus, this, start, end, 0, false);
      return;
    }
    const local = tlb.curCpu;
    tlb.flush(local, this.id, start, end);
    emitTlbInvalidate(bus, this, start, end, local, false);
    const targets = this.activeCpus & ~(1 << local);
    if (targets === 0) return;
    if (tlb.deferred) {
      for (let cpu = 0; cpu < tlb.cpus; cpu++) {
        if ((targets & (1 << cpu)) === 0) continue;
        tlb.queue(cpu, this.id, start, end);
        this.ctx.counters.add('tlb.deferred');
        emitTlbInvalidate(bus, this, start, end, cpu, true);
      }
      return;
    }
    this.shootdown(tlb, targets, start, end);
  }
  /** MD: how an invalidation reaches the other CPUs at once. Default: one IPI per target CPU (amd64). */
  protected shootdown(tlb: TlbModel, targets: number, start: number, end: number): void {
    const bus = this.ctx.bus;
    for (let cpu = 0; cpu < tlb.cpus; cpu++) {
      if ((targets & (1 << cpu)) === 0) continue;
      tlb.flush(cpu, this.id, start, end);
      this.ctx.counters.add('tlb.ipi');
      emitTlbInvalidate(bus, this, start, end, cpu, true);
    }
  }

  // --- creation and destruction ---------------------------------------------------------
  destroy(): void {
    if (this.destroyed) throw new Error(`pmap ${this.id} destroyed twice`);
    this.removePages();
    this.destroyed = true;
    this.ctx.unregister(this);
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  // --- range operations -----------------------------------------------------------------
  enter(va: number, frame: number, prot: number, wired: boolean): void {
    const vpn = va / PAGE_SIZE;
    const pt = this.pt;
    const slot = pt.ensure(vpn);
    const old = pt.bits[slot] as number;
    if (old !== 0) {
      const oldFrame = pt.frame[slot] as number;
      if (oldFrame !== frame) {
        this.dropPv(oldFrame, vpn, old);
      } else {
        // Same page: keep the reference state, replace the rights.
        let b = (old & (PTE_A | PTE_D)) | this.protBits(prot) | PTE_V | this.mdBits(va);
        if (wired) b |= PTE_WIRED;
        pt.set(slot, frame, b);
        if ((old & PTE_W) !== 0 && (b & PTE_W) === 0) this.invalidate(va, va + PAGE_SIZE);
        this.ctx.counters.pteWrites++;
        return;
      }
    }
    let bits = this.protBits(prot) | PTE_V | this.mdBits(va);
    if (wired) bits |= PTE_WIRED;
    pt.set(slot, frame, bits);
    this.ctx.pv.add(frame, this.id, vpn);
    this.ctx.counters.pteWrites++;
    if (old !== 0) this.invalidate(va, va + PAGE_SIZE);
  }

  remove(start: number, end: number): void {
    let any = false;
    const sv = Math.max(0, Math.ceil(start / PAGE_SIZE));
    const ev = Math.min(MAX_VPN, Math.ceil(end / PAGE_SIZE));
    // pmap_remove's walk: leaf by leaf, the PTEs of each in a plain loop (no callback per
    // page); absent directories and empty leaves are skipped a directory at a time.
    const pt = this.pt;
    const pv = this.ctx.pv;
    const flags = this.ctx.mem.flags;
    const id = this.id;
    for (let vpn = pt.nextLeafVpn(sv, ev); vpn < ev; ) {
      const slot0 = pt.lookup(vpn); // present: nextLeafVpn found its leaf
      const stop = Math.min(ev, vpn - (vpn % LEAF_PAGES) + LEAF_PAGES);
      const bitsA = pt.bits;
      const frameA = pt.frame;
      // the leaf's counts are dropped once for the run (clearedIn), not slot by slot
      let cleared = 0;
      for (let v = vpn, slot = slot0; v < stop; v++, slot++) {
        const bits = bitsA[slot] as number;
        if (bits === 0) continue;
        const frame = frameA[slot] as number;
        pv.remove(frame, id, v);
        if ((bits & (PTE_A | PTE_D)) !== 0)
          flags[frame] = (flags[frame] as number) | ((bits & PTE_D) !== 0 ? PG_DIRTY : 0) | ((bits & PTE_A) !== 0 ? PG_REFERENCED : 0);
        bitsA[slot] = 0;
        frameA[slot] = -1;
        cleared++;
      }
      if (cleared !== 0) {
        pt.clearedIn(slot0, cleared);
        any = true;
      }
      vpn = pt.nextLeafVpn(stop, ev);
    }
    if (any) {
      this.pt.owner?.noteChange();
      this.ctx.counters.pteWrites++;
      this.invalidate(start, end);
      this.pt.freeEmptyTables(start / PAGE_SIZE, end / PAGE_SIZE);
    }
  }

  removeDeferred(start: number, end: number): boolean {
    let any = false;
    let dirty = false;
    this.pt.forEachValid(start / PAGE_SIZE, end / PAGE_SIZE, (vpn, slot) => {
      const bits = this.pt.bits[slot] as number;
      if ((bits & PTE_D) !== 0) dirty = true;
      this.dropPv(this.pt.frame[slot] as number, vpn, bits);
      this.pt.clear(slot);
      any = true;
    });
    if (!any) return false;
    this.ctx.counters.pteWrites++;
    this.invalidateLocalOnly(start, end);
    this.pt.freeEmptyTables(start / PAGE_SIZE, end / PAGE_SIZE);
    return dirty;
  }

  protectDeferred(start: number, end: number, prot: number): void {
    this.protectWith(start, end, prot, true);
  }

  /** The current CPU's TLB flushed now, the other CPUs' invalidation queued (flushDeferred). */
  private invalidateLocalOnly(start: number, end: number): void {
    const tlb = this.tlb;
    if (tlb === null) {
      emitTlbInvalidate(this.ctx.bus, this, start, end, 0, false);
      return;
    }
    tlb.flush(tlb.curCpu, this.id, start, end);
    emitTlbInvalidate(this.ctx.bus, this, start, end, tlb.curCpu, false);
    for (let cpu = 0; cpu < tlb.cpus; cpu++) {
      if (cpu !== tlb.curCpu && (this.activeCpus & (1 << cpu)) !== 0) tlb.queue(cpu, this.id, start, end);
    }
  }

  flushDeferred(start: number, end: number): void {
    const tlb = this.tlb;
    if (tlb === null) return;
    for (let cpu = 0; cpu < tlb.cpus; cpu++) {
      if (!tlb.unqueue(cpu, this.id, start, end)) continue;
      tlb.flush(cpu, this.id, start, end);
      this.ctx.counters.add('tlb.ipi');
      emitTlbInvalidate(this.ctx.bus, this, start, end, cpu, true);
    }
  }

  protect(start: number, end: number, prot: number): void {
    this.protectWith(start, end, prot, false);
  }

  private protectWith(start: number, end: number, prot: number, deferred: boolean): void {
    if ((prot & VM_PROT_READ) === 0 && (prot & VM_PROT_EXECUTE) === 0) {
      this.remove(start, end);
      return;
    }
    const keep = ~((prot & VM_PROT_WRITE ? 0 : PTE_W) | (prot & VM_PROT_EXECUTE ? 0 : PTE_X) | (prot & VM_PROT_READ ? 0 : PTE_R));
    let changed = false;
    const mem = this.ctx.mem;
    const sv = Math.max(0, Math.ceil(start / PAGE_SIZE));
    const ev = Math.min(MAX_VPN, Math.ceil(end / PAGE_SIZE));
    // pmap_protect's walk: leaf by leaf, rewriting each PTE in place (no callback per page);
    // absent directories and empty leaves are skipped a directory at a time.
    const pt = this.pt;
    const flags = mem.flags;
    for (let vpn = pt.nextLeafVpn(sv, ev); vpn < ev; ) {
      const slot0 = pt.lookup(vpn); // present: nextLeafVpn found its leaf
      const stop = Math.min(ev, vpn - (vpn % LEAF_PAGES) + LEAF_PAGES);
      const bitsA = pt.bits;
      const frameA = pt.frame;
      for (let slot = slot0, last = slot0 + (stop - vpn); slot < last; slot++) {
        const bits = bitsA[slot] as number;
        if (bits === 0) continue;
        const nb = bits & keep;
        if (nb === bits) continue;
        if ((bits & PTE_D) !== 0 && (nb & PTE_W) === 0) {
          const f = frameA[slot] as number;
          flags[f] = (flags[f] as number) | PG_DIRTY;
        }
        const nv = (nb & PTE_W) === 0 ? nb & ~PTE_D : nb;
        if (nv !== 0) bitsA[slot] = nv;
        else pt.set(slot, frameA[slot] as number, 0);
        changed = true;
      }
      vpn = pt.nextLeafVpn(stop, ev);
    }
    if (changed) {
      this.ctx.counters.pteWrites++;
      if (deferred) this.invalidateLocalOnly(start, end);
      else this.invalidate(start, end);
    }
  }

  removePages(): void {
    this.pt.forEachValid(0, Number.MAX_SAFE_INTEGER / PAGE_SIZE, (vpn, slot) => {
      this.dropPv(this.pt.frame[slot] as number, vpn, this.pt.bits[slot] as number);
      this.pt.clear(slot);
    });
    this.pt.clearAll();
    this.invalidate(0, Number.MAX_SAFE_INTEGER);
  }

  unwire(start: number, end: number): void {
    this.pt.forEachValid(start / PAGE_SIZE, end / PAGE_SIZE, (_vpn, slot) => {
      this.pt.set(slot, this.pt.frame[slot] as number, (this.pt.bits[slot] as number) & ~PTE_WIRED);
    });
  }

  // --- page operations ------------------------------------------------------------------
  removeAll(frame: number): void {
    const pv = this.ctx.pv;
    for (let i = pv.first(frame); i !== -1; i = pv.first(frame)) {
      const p = this.ctx.pmaps[pv.pmapOf(i)] as SoftPmap;
      p.removeOne(pv.vpnOf(i));
    }
  }

  removeWrite(frame: number): void {
    const pv = this.ctx.pv;
    for (let i = pv.first(frame); i !== -1; i = pv.nextOf(i)) {
      const p = this.ctx.pmaps[pv.pmapOf(i)] as SoftPmap;
      p.protectOne(pv.vpnOf(i));
    }
  }

  extract(va: number): number {
    const slot = this.pt.lookup(Math.floor(va / PAGE_SIZE));
    if (slot < 0 || this.pt.bits[slot] === 0) return -1;
    return this.pt.frame[slot] as number;
  }

  // --- reference and modify bits --------------------------------------------------------
  isModified(frame: number): boolean {
    const pv = this.ctx.pv;
    for (let i = pv.first(frame); i !== -1; i = pv.nextOf(i)) {
      const p = this.ctx.pmaps[pv.pmapOf(i)] as SoftPmap;
      if ((p.bitsOf(pv.vpnOf(i)) & PTE_D) !== 0) return true;
    }
    return false;
  }

  clearModify(frame: number): void {
    const pv = this.ctx.pv;
    for (let i = pv.first(frame); i !== -1; i = pv.nextOf(i)) {
      const p = this.ctx.pmaps[pv.pmapOf(i)] as SoftPmap;
      p.andBits(pv.vpnOf(i), ~PTE_D);
    }
  }

  tsReferenced(frame: number): number {
    const pv = this.ctx.pv;
    let n = 0;
    for (let i = pv.first(frame); i !== -1; i = pv.nextOf(i)) {
      const p = this.ctx.pmaps[pv.pmapOf(i)] as SoftPmap;
      if ((p.bitsOf(pv.vpnOf(i)) & PTE_A) !== 0) {
        n++;
        p.andBits(pv.vpnOf(i), ~PTE_A);
      }
    }
    return n;
  }

  advise(start: number, end: number, advice: 'dontneed' | 'free'): void {
    const mem = this.ctx.mem;
    this.pt.forEachValid(start / PAGE_SIZE, end / PAGE_SIZE, (_vpn, slot) => {
      let bits = this.pt.bits[slot] as number;
      if (advice === 'free') {
        // MADV_FREE: the modified state is discarded along with the page's dirty bit
        // (the caller clears PG_DIRTY); a later write marks it again.
        bits &= ~(PTE_A | PTE_D);
      } else {
        const f = this.pt.frame[slot] as number;
        if ((bits & PTE_D) !== 0) mem.flags[f] = (mem.flags[f] as number) | PG_DIRTY;
        bits &= ~(PTE_A | PTE_D);
      }
      this.pt.set(slot, this.pt.frame[slot] as number, bits);
    });
  }

  // --- activation -----------------------------------------------------------------------
  activate(cpu: number): void {
    this.activeCpus |= 1 << cpu;
  }
  deactivate(cpu: number): void {
    this.activeCpus &= ~(1 << cpu);
    // Without ASIDs, switching away drops the CPU's translations of this pmap.
    this.tlb?.flush(cpu, this.id, 0, Number.MAX_SAFE_INTEGER);
  }

  // --- access ---------------------------------------------------------------------------
  translate(va: number, access: number, thread: PmapThread, branch?: BranchKind): number {
    // The TLB matters only when this pmap also runs on another CPU (else it cannot be stale).
    if (this.tlb !== null && (this.activeCpus & ~(1 << thread.cpu)) !== 0) return this.translateShared(va, access, thread, branch);
    const pt = this.pt;
    // A multiply by 2^-12 is exact, and cheaper than the division it stands for.
    const slot = pt.lookup(Math.floor(va * INV_PAGE_SIZE));
    if (slot < 0) return NEEDS_FAULT;
    const bits = pt.bits[slot] as number;
    // One present-and-allowed test, and the referenced/modified bits the access sets.
    let need: number;
    let set: number;
    if (access === Access.Write) {
      need = PTE_W | PTE_V;
      set = PTE_A | PTE_D;
    } else {
      need = access === Access.Execute ? PTE_X | PTE_V : PTE_R | PTE_V;
      set = PTE_A;
    }
    if ((bits & need) !== need) return NEEDS_FAULT;
    const frame = pt.frame[slot] as number;
    if (this.hasMdCheck && ((bits & this.mdCheckBits) !== 0 || thread.mdStrict === true) && !this.mdCheck(va, bits, access, thread, branch, frame))
      return MD_FAULT;
    if ((bits & set) !== set) pt.bits[slot] = bits | set;
    return frame;
  }

  /** `translate` of a pmap active on another CPU too: this CPU's TLB may hold a stale translation. */
  private translateShared(va: number, access: number, thread: PmapThread, branch: BranchKind | undefined): number {
    const pt = this.pt;
    const tlb = this.tlb as TlbModel;
    const vpn = Math.floor(va / PAGE_SIZE);
    const slot = pt.lookup(vpn);
    const need = access === Access.Write ? PTE_W | PTE_V : access === Access.Execute ? PTE_X | PTE_V : PTE_R | PTE_V;
    const v = tlb.lookup(thread.cpu, this.id, vpn);
    if (v >= 0) {
      const cbits = Math.floor(v / TLB_FRAME_MUL);
      const cframe = v - cbits * TLB_FRAME_MUL;
      if ((cbits & need) === need && (slot < 0 || ((pt.bits[slot] as number) & need) !== need || pt.frame[slot] !== cframe)) {
        // A stale translation: the page table changed and this CPU was not told yet.
        if (this.hasMdCheck && !this.mdCheck(va, cbits, access, thread, branch, cframe)) return MD_FAULT;
        this.ctx.counters.add('tlb.stale_hits');
        return cframe;
      }
    }
    if (slot < 0) return NEEDS_FAULT;
    const bits = pt.bits[slot] as number;
    if ((bits & need) !== need) return NEEDS_FAULT;
    const frame = pt.frame[slot] as number;
    if (this.hasMdCheck && !this.mdCheck(va, bits, access, thread, branch, frame)) return MD_FAULT;
    const nb = bits | (access === Access.Write ? PTE_A | PTE_D : PTE_A);
    if (nb !== bits) pt.bits[slot] = nb;
    tlb.fill(thread.cpu, this.id, vpn, frame, nb);
    return frame;
  }

  mdFault(): SignalInfo {
    return this.lastFault;
  }

  kernelAccessAllowed(_va: number, _access: number, _thread: PmapThread): boolean {
    return true;
  }

  // --- inspection -----------------------------------------------------------------------
  pte(va: number): PteInfo | undefined {
    const slot = this.pt.lookup(Math.floor(va / PAGE_SIZE));
    if (slot < 0) return undefined;
    const bits = this.pt.bits[slot] as number;
    if (bits === 0) return undefined;
    const info: PteInfo = {
      present: true,
      writable: (bits & PTE_W) !== 0,
      executable: (bits & PTE_X) !== 0,
      size: PAGE_SIZE,
    };
    this.mdPteInfo(bits, info);
    return info;
  }

  get residentCount(): number {
    return this.pt.validCount;
  }

  get ptPages(): number {
    return this.pt.ptPages;
  }

  forEachMapping(start: number, end: number, fn: (va: number, frame: number, writable: boolean) => void): void {
    this.pt.forEachValid(start / PAGE_SIZE, end / PAGE_SIZE, (vpn, slot) => {
      fn(vpn * PAGE_SIZE, this.pt.frame[slot] as number, ((this.pt.bits[slot] as number) & PTE_W) !== 0);
    });
  }

  // --- helpers for MD subclasses ------------------------------------------------------------
  /** Rewrites the MD bits of every present PTE in [start, end) (a key or guard change). */
  protected rewriteMdBits(start: number, end: number, fn: (va: number, bits: number) => number): number {
    let n = 0;
    this.pt.forEachValid(start / PAGE_SIZE, end / PAGE_SIZE, (vpn, slot) => {
      const bits = this.pt.bits[slot] as number;
      const nb = fn(vpn * PAGE_SIZE, bits);
      if (nb !== bits) {
        this.pt.set(slot, this.pt.frame[slot] as number, nb);
        n++;
      }
    });
    if (n > 0) {
      this.ctx.counters.pteWrites += n;
      this.invalidate(start, end);
    }
    return n;
  }

  protected protBits(prot: number): number {
    return (prot & VM_PROT_READ ? PTE_R : 0) | (prot & VM_PROT_WRITE ? PTE_W : 0) | (prot & VM_PROT_EXECUTE ? PTE_X : 0);
  }

  private dropPv(frame: number, vpn: number, bits: number): void {
    this.ctx.pv.remove(frame, this.id, vpn);
    const mem = this.ctx.mem;
    let f = mem.flags[frame] as number;
    if ((bits & PTE_D) !== 0) f |= PG_DIRTY;
    if ((bits & PTE_A) !== 0) f |= PG_REFERENCED;
    mem.flags[frame] = f;
  }

  private bitsOf(vpn: number): number {
    const slot = this.pt.lookup(vpn);
    return slot < 0 ? 0 : (this.pt.bits[slot] as number);
  }

  private andBits(vpn: number, mask: number): void {
    const slot = this.pt.lookup(vpn);
    if (slot >= 0) this.pt.bits[slot] = (this.pt.bits[slot] as number) & mask;
  }

  /** Removes one translation (pmap_remove_all's per-pv step). */
  private removeOne(vpn: number): void {
    const slot = this.pt.lookup(vpn);
    if (slot < 0 || this.pt.bits[slot] === 0) return;
    this.dropPv(this.pt.frame[slot] as number, vpn, this.pt.bits[slot] as number);
    this.pt.clear(slot);
    this.ctx.counters.pteWrites++;
    this.invalidate(vpn * PAGE_SIZE, (vpn + 1) * PAGE_SIZE);
  }

  private protectOne(vpn: number): void {
    const slot = this.pt.lookup(vpn);
    if (slot < 0) return;
    const bits = this.pt.bits[slot] as number;
    if ((bits & PTE_W) === 0) return;
    if ((bits & PTE_D) !== 0) {
      const f = this.pt.frame[slot] as number;
      this.ctx.mem.flags[f] = (this.ctx.mem.flags[f] as number) | PG_DIRTY;
    }
    this.pt.set(slot, this.pt.frame[slot] as number, bits & ~(PTE_W | PTE_D));
    this.ctx.counters.pteWrites++;
    this.invalidate(vpn * PAGE_SIZE, (vpn + 1) * PAGE_SIZE);
  }
}
