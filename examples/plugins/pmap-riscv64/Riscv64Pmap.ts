import { PAGE_SIZE, PTE_MD_SHIFT, type Pmap, type PmapContext, type PmapFactory, SoftPmap, type TlbModel, VM_PROT_READ, VM_PROT_WRITE } from '@vmlab/core';

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
