import {
  Access,
  type BranchKind,
  PAGE_SIZE,
  type Pmap,
  type PmapContext,
  PmapContextToken,
  type PmapFactory,
  type PmapThread,
  type PteInfo,
  PTE_MD_SHIFT,
  SoftPmap,
  type TlbModel,
} from '@vmlab/core';
import { inject, injectable } from 'inversify';
import { isLandingPad } from './BtiLandingPad.ts';
import { GuardRangeset } from './GuardRangeset.ts';

/** Top of arm64 user space (48-bit VA, SCENARIO.md). */
export const ARM64_USER_TOP = 0x1000000000000;

/** The stage-1 Guarded Page bit (ATTR_S1_GP) in the software PTE's MD bits. */
export const PTE_GP = 1 << PTE_MD_SHIFT;

/** VmMapEntry.mdFlags bit for Linux's PROT_BTI (a per-VMA attribute under `abi: linux`). */
export const ENTRY_BTI = 1;

/**
 * The arm64 pmap: 4-level tables with a 4 KiB granule, AP and UXN bits, and BTI guarded
 * pages. A user pmap on a CPU with FEAT_BTI owns a rangeset of guarded ranges (`bti`,
 * null otherwise: every BTI operation is then a successful no-op, T2.2). New PTEs take GP
 * from it (T2.4); the rangeset itself is only changed by the guard system call and by the
 * lifecycle events the BTI subscriber handles (T2.5), never by `remove`.
 */
export class Arm64Pmap extends SoftPmap {
  private _bti: GuardRangeset | null = null;
  private readonly openbsd: boolean;

  constructor(ctx: PmapContext, kernel: boolean) {
    super(ctx, kernel);
    this.bti = !kernel && ctx.features.bti !== false ? new GuardRangeset() : null;
    this.hasMdCheck = this.bti !== null;
    // Only a guarded page can refuse a branch.
    this.mdCheckBits = PTE_GP;
    this.openbsd = ctx.abi === 'openbsd';
  }

  /** pm_bti: the guarded ranges, or null (kernel pmap, or no BTI on the CPU). */
  get bti(): GuardRangeset | null {
    return this._bti;
  }
  set bti(b: GuardRangeset | null) {
    this._bti = b;
    if (b !== null) b.owner = this;
    this.noteChange();
  }

  protected override mdBits(va: number): number {
    const b = this.bti;
    return b !== null && b.size !== 0 && b.contains(va) ? PTE_GP : 0;
  }

  protected override mdCheck(va: number, bits: number, access: number, _thread: PmapThread, branch: BranchKind | undefined, frame: number): boolean {
    if (access !== Access.Execute || (bits & PTE_GP) === 0 || branch === undefined || branch === 'direct') return true;
    const word = this.ctx.mem.contents.read(frame, (va % PAGE_SIZE) >>> 2);
    if (isLandingPad(word, branch)) return true;
    this.ctx.counters.add('bti.faults');
    this.lastFault = { signal: 'SIGILL', code: this.openbsd ? 'ILL_BTCFI' : 'ILL_ILLOPC', addr: va };
    return false;
  }

  protected override mdPteInfo(bits: number, info: PteInfo): void {
    info.guarded = (bits & PTE_GP) !== 0;
  }

  /** arm64 invalidates other CPUs with one broadcast TLBI (inner shareable), not IPIs. */
  protected override shootdown(tlb: TlbModel, targets: number, start: number, end: number): void {
    for (let cpu = 0; cpu < tlb.cpus; cpu++) if ((targets & (1 << cpu)) !== 0) tlb.flush(cpu, this.id, start, end);
    this.ctx.counters.add('tlb.broadcast');
    const bus = this.ctx.bus;
    if (bus.wants('tlb_invalidate')) bus.publish({ kind: 'tlb_invalidate', pmap: this, start, end, cpu: -1, remote: true });
  }

  /** Re-derives GP of every present PTE in [start, end) from the rangeset (pmap_mask_set). */
  syncGuardBits(start: number, end: number): number {
    const b = this.bti;
    const n = this.rewriteMdBits(start, end, (va, bits) => (b?.contains(va) ? bits | PTE_GP : bits & ~PTE_GP));
    if (n > 0) this.ctx.counters.add('bti.pte_rewrites', n);
    return n;
  }

  /** Whether the present PTE at va has GP (invariant checks). */
  pteGuarded(va: number): boolean | undefined {
    const p = this.pte(va - (va % PAGE_SIZE));
    return p === undefined ? undefined : p.guarded === true;
  }
}

/** Makes one arm64 pmap per address space (pmap_pinit). */
@injectable()
export class Arm64PmapFactory implements PmapFactory {
  readonly arch = 'arm64';
  readonly userTop = ARM64_USER_TOP;
  constructor(@inject(PmapContextToken) private readonly ctx: PmapContext) {}
  create(kernel: boolean): Pmap {
    return new Arm64Pmap(this.ctx, kernel);
  }
}
