/**
 * pmap-riscv64: a RISC-V Sv48 pmap for vmlab, written as a user's plugin against
 * `@vmlab/core`'s public API only (docs/writing-a-pmap.md walks through it).
 *
 * - Sv48: 4-level page tables, 4 KiB pages, user space [0x1000, 0x800000000000).
 * - PTE bits V R W X U A D: V/R/W/X/A/D are the software page table's generic bits; U
 *   is this pmap's MD bit, set on every user PTE. W without R is a reserved encoding, so a
 *   writable mapping is always readable; X without R is a true execute-only page.
 * - No protection keys and no guarded pages: no ArchOps are bound, so core answers the MD
 *   operations as on any arch without them (sysarch EINVAL, pkey_set/wrpkru EOPNOTSUPP,
 *   check pkey/guarded/pkru none).
 * - TLB: a hart invalidates its own translations with `sfence.vma` (counter
 *   `tlb.sfence_vma`, one per hart that executes it) and reaches the other harts running
 *   the pmap with one SBI remote fence (`sbi_remote_sfence_vma`, counter
 *   `tlb.remote_fence`, one per call). There are no ASIDs: a context switch flushes.
 */
import {
  ContainerModule,
  type Invariant,
  type Machine,
  PAGE_SIZE,
  PLUGIN_API_VERSION,
  PTE_MD_SHIFT,
  PTE_R,
  PTE_V,
  PTE_W,
  type Pmap,
  type PmapContext,
  PmapContextToken,
  PmapFactory,
  SoftPmap,
  type TlbModel,
  VM_PROT_READ,
  VM_PROT_WRITE,
  type Violation,
  type VmlabPlugin,
} from '@vmlab/core';

/** Top of Sv48 user space (the lower half of the 48-bit canonical space). */
export const RISCV64_USER_TOP = 0x800000000000;

/** The U (user-accessible) bit, the first of the software PTE's MD bits. */
export const PTE_U = 1 << PTE_MD_SHIFT;

/** The Sv48 RISC-V pmap: SoftPmap's table, the U bit, and SBI remote fences. */
export class Riscv64Pmap extends SoftPmap {
  constructor(ctx: PmapContext, kernel: boolean) {
    super(ctx, kernel);
  }

  /** Every user PTE is U; the kernel pmap's are not. */
  protected override mdBits(_va: number): number {
    return this.kernel ? 0 : PTE_U;
  }

  /** W without R is reserved in Sv48: a writable page is mapped readable too. */
  protected override protBits(prot: number): number {
    return super.protBits((prot & VM_PROT_WRITE) !== 0 ? prot | VM_PROT_READ : prot);
  }

  /** The initiating hart executes sfence.vma for the range before anything else. */
  protected override invalidate(start: number, end: number): void {
    this.ctx.counters.add('tlb.sfence_vma');
    super.invalidate(start, end);
  }

  /** One SBI call (sbi_remote_sfence_vma) with the hart mask; each target hart fences. */
  protected override shootdown(tlb: TlbModel, targets: number, start: number, end: number): void {
    this.ctx.counters.add('tlb.remote_fence');
    const bus = this.ctx.bus;
    for (let cpu = 0; cpu < tlb.cpus; cpu++) {
      if ((targets & (1 << cpu)) === 0) continue;
      tlb.flush(cpu, this.id, start, end);
      this.ctx.counters.add('tlb.sfence_vma');
      if (bus.wants('tlb_invalidate')) bus.publish({ kind: 'tlb_invalidate', pmap: this, start, end, cpu, remote: true });
    }
  }

  /** The raw software PTE bits at va (0 when none), for the encoding invariant. */
  bitsAt(va: number): number {
    const slot = this.pt.lookup(Math.floor(va / PAGE_SIZE));
    return slot < 0 ? 0 : (this.pt.bits[slot] as number);
  }
}

/** Makes one Sv48 pmap per address space. */
export class Riscv64PmapFactory implements PmapFactory {
  readonly arch = 'riscv64';
  readonly userTop = RISCV64_USER_TOP;
  constructor(private readonly ctx: PmapContext) {}
  create(kernel: boolean): Pmap {
    return new Riscv64Pmap(this.ctx, kernel);
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * `sv48_pte`: every present PTE of a user pmap has a legal Sv48 leaf encoding: V set, U
 * set, and W only with R.
 */
export const sv48PteInvariant: Invariant = {
  name: 'sv48_pte',
  description: 'every present user PTE is a legal Sv48 leaf: V and U set, no W without R',
  check(m: Machine, out: Violation[]): void {
    const ctx = m.container.get<PmapContext>(PmapContextToken);
    for (const pm of ctx.pmaps) {
      if (!(pm instanceof Riscv64Pmap) || pm.kernel || pm.isDestroyed) continue;
      pm.forEachMapping(0, RISCV64_USER_TOP, (va) => {
        const b = pm.bitsAt(va);
        if ((b & PTE_V) === 0 || (b & PTE_U) === 0 || ((b & PTE_W) !== 0 && (b & PTE_R) === 0)) {
          out.push({ invariant: 'sv48_pte', message: `pmap ${pm.id}: the PTE at ${hex(va)} has bits ${hex(b)}` });
        }
      });
    }
  },
};

/** The bindings: the pmap factory (nothing else: no MD system calls, no side tables). */
export const riscv64Module = new ContainerModule(({ bind }) => {
  bind<PmapFactory>(PmapFactory).toDynamicValue((c) => new Riscv64PmapFactory(c.get<PmapContext>(PmapContextToken)));
});

export const plugin: VmlabPlugin = {
  name: 'pmap-riscv64',
  apiVersion: PLUGIN_API_VERSION,
  description: 'RISC-V Sv48 pmap: 4-level tables, 4 KiB pages, V R W X U A D, sfence.vma and SBI remote fences',
  module: riscv64Module,
  arch: { name: 'riscv64', description: 'RISC-V RV64 with Sv48 paging (no protection keys, no guarded pages)', features: {} },
  invariants: [sv48PteInvariant],
};

export default plugin;
