import {
  Access,
  type BranchKind,
  type Pmap,
  type PmapContext,
  PmapContextToken,
  type PmapFactory,
  type PmapThread,
  type PteInfo,
  PTE_MD_SHIFT,
  SoftPmap,
  VM_PROT_EXECUTE,
  VM_PROT_READ,
} from '@vmlab/core';
import { inject, injectable } from 'inversify';
import { KeyRangeset } from './KeyRangeset.ts';
import { pkruDenies, pkruOf } from './PkruRegister.ts';

/** Top of amd64 user space (SCENARIO.md). */
export const AMD64_USER_TOP = 0x800000000000;

/** The 4 key bits of a PTE (bits 62..59 on hardware; here the first MD bits). */
export const PTE_PKEY_SHIFT = PTE_MD_SHIFT;
export const PTE_PKEY_MASK = 0xf << PTE_PKEY_SHIFT;

/** Key bits of an entry's mdFlags under `abi: linux` (the VMA's pkey, T6.1). */
export const ENTRY_PKEY_MASK = 0xf;

/**
 * The amd64 pmap: 4-level page tables (PML4), present / writable / NX bits, and the
 * protection-key layer: each user PTE carries a 4-bit key taken at insertion, and a
 * present translation is checked against the accessing thread's PKRU (T1.1, T6.5).
 *
 * Where the key of a new PTE comes from depends on the ABI's design (SEMANTICS §9):
 * - FreeBSD (`abi: freebsd`, `openbsd`): the pmap's own rangeset `keys` (pm_pkru, T1.10),
 *   maintained from bus events by the PkruKeySubscriber and by sysarch SET/CLEAR.
 * - Linux (`abi: linux`): the map entry's mdFlags (the VMA's pkey, T6.1), read through
 *   `entryKeyAt`, a lookup the Linux placement installs when the pmap gets its process.
 *   The per-mm allocation bitmap and execute-only key live here too (per address space).
 */
export class Amd64Pmap extends SoftPmap {
  /** The CPU has PKU: keys are kept and checked. */
  readonly pku: boolean;
  readonly abi: string;
  /** FreeBSD pm_pkru: VA ranges → {key, persist}. */
  readonly keys = new KeyRangeset();
  /**
   * Ranges logically deleted (map_delete allowed to drop keys) and not assigned since: no
   * non-persistent key may lie over them (the key_lifetime invariant). Only ranges with a
   * key over them when deleted are recorded (the others can never be under one: a SET over
   * a range takes it out of here).
   */
  readonly deleted = new KeyRangeset();
  /** Linux: allocated keys (bit k = key k), key 0 always allocated. */
  pkeyAllocated = 1;
  /** Linux: the mm's execute-only key, -1 when none yet. */
  execOnlyKey = -1;
  /** Linux: the key of the map entry covering va (installed by the Linux placement). */
  entryKeyAt: ((va: number) => number) | null = null;

  constructor(ctx: PmapContext, kernel: boolean) {
    super(ctx, kernel);
    this.keys.owner = this;
    this.deleted.owner = this;
    this.pku = !kernel && ctx.features.pku === true;
    this.abi = ctx.abi;
    this.hasMdCheck = this.pku;
    // A key-0 PTE is refused only under a PKRU that denies key 0 (the thread's mdStrict).
    this.mdCheckBits = PTE_PKEY_MASK;
  }

  /** Whether keys come from map entries (Linux) rather than the pmap's rangeset. */
  get entryPlacement(): boolean {
    return this.abi === 'linux';
  }

  /** The key a PTE at va takes now (0 when none recorded). */
  keyAt(va: number): number {
    if (!this.pku) return 0;
    if (this.entryPlacement) return this.entryKeyAt?.(va) ?? 0;
    const keys = this.keys;
    return keys.size === 0 ? 0 : (keys.lookup(va)?.key ?? 0);
  }

  // --- x86 page-table rights -----------------------------------------------------------------
  // An x86 PTE has no read-permission bit: a present translation is always readable, so an
  // execute-only protection maps readable (the VM still refuses a read fault on such an
  // entry). Hiding code from reads takes a protection key (Linux's execute-only key, T6.4).
  protected override protBits(prot: number): number {
    return super.protBits((prot & VM_PROT_EXECUTE) !== 0 ? prot | VM_PROT_READ : prot);
  }

  override protect(start: number, end: number, prot: number): void {
    super.protect(start, end, (prot & VM_PROT_EXECUTE) !== 0 ? prot | VM_PROT_READ : prot);
  }

  // --- MD hooks -------------------------------------------------------------------------
  protected override mdBits(va: number): number {
    return this.pku ? this.keyAt(va) << PTE_PKEY_SHIFT : 0;
  }

  protected override mdCheck(va: number, bits: number, access: number, thread: PmapThread, _branch: BranchKind | undefined, _frame: number): boolean {
    if (access === Access.Execute) return true;
    const key = (bits & PTE_PKEY_MASK) >>> PTE_PKEY_SHIFT;
    const pkru = pkruOf(thread, this.abi);
    // Key 0 with its AD and WD bits clear (every ABI's initial PKRU): nothing to refuse.
    if ((key === 0 && (pkru & 3) === 0) || !pkruDenies(pkru, key, access === Access.Write)) return true;
    this.lastFault = { signal: 'SIGSEGV', code: this.abi === 'linux' ? 'SEGV_PKUERR' : 'SEGV_ACCERR', addr: va, pkey: key };
    return false;
  }

  protected override mdPteInfo(bits: number, info: PteInfo): void {
    info.pkey = (bits & PTE_PKEY_MASK) >>> PTE_PKEY_SHIFT;
  }

  /** copyin/copyout obey the calling thread's PKRU (T1.3, T6.5); a missing PTE is the VM's business. */
  override kernelAccessAllowed(va: number, access: number, thread: PmapThread): boolean {
    if (!this.pku) return true;
    const info = this.pte(va - (va % 4096));
    if (info === undefined) return true;
    return !pkruDenies(pkruOf(thread, this.abi), info.pkey ?? 0, access === Access.Write);
  }

  // --- key operations (called by sysarch and by the key subscriber) -----------------------
  /** Rewrites the key bits of every present PTE in [start, end) to what keyAt says now (T1.13). */
  refreshPteKeys(start: number, end: number): number {
    if (!this.pku) return 0;
    const n = this.rewriteMdBits(start, end, (va, bits) => (bits & ~PTE_PKEY_MASK) | (this.keyAt(va) << PTE_PKEY_SHIFT));
    if (n > 0) this.ctx.counters.add('pkru.pte_rewrites', n);
    return n;
  }

  /** SET (pmap_pkru_assign + update_range): replaces the range's record and rewrites PTEs. */
  assignKey(start: number, end: number, key: number, persist: boolean): void {
    this.keys.set(start, end, { key, persist });
    this.deleted.remove(start, end);
    this.ctx.counters.add('pkru.assign');
    this.refreshPteKeys(start, end);
  }

  /** CLEAR (pmap_pkru_clear): forgets the range and writes key 0 into its PTEs. */
  clearKeys(start: number, end: number): void {
    this.keys.remove(start, end);
    this.refreshPteKeys(start, end);
  }

  /** pmap_pkru_on_remove: drops the non-persistent intervals over [start, end). */
  dropNonPersistent(start: number, end: number): boolean {
    const any = this.keys.removeIf(start, end, (v) => !v.persist);
    if (any) this.ctx.counters.add('pkru.drop');
    return any;
  }

  /** pmap_pkru_deassign_all: drops every interval, PERSIST included. */
  dropAllKeys(): void {
    if (this.keys.clear()) this.ctx.counters.add('pkru.drop');
    this.deleted.clear();
  }
}

/** Makes one amd64 pmap per address space (pmap_pinit). */
@injectable()
export class Amd64PmapFactory implements PmapFactory {
  readonly arch = 'amd64';
  readonly userTop = AMD64_USER_TOP;
  constructor(@inject(PmapContextToken) private readonly ctx: PmapContext) {}
  create(kernel: boolean): Pmap {
    return new Amd64Pmap(this.ctx, kernel);
  }
}
