import type { EventBus } from '../events/EventBus.ts';
import type { PhysMem } from '../mem/PhysMem.ts';
import type { PvTable } from '../mem/PvTable.ts';
import type { Counters } from '../vm/Counters.ts';
import type { Pmap } from './Pmap.ts';
import { TlbModel } from './TlbModel.ts';

/**
 * What a pmap may reach of the machine it belongs to: physical memory (to mark pages dirty
 * and referenced), the reverse-mapping table, the bus (for tlb_invalidate), the counters,
 * the CPU count, and the table of live pmaps by id (pv entries name pmaps by id).
 */
export class PmapContext {
  readonly pmaps: (Pmap | undefined)[] = [];
  /** The CPUs' TLBs (null on a one-CPU machine, where no translation can be stale). */
  readonly tlb: TlbModel | null;
  constructor(
    readonly mem: PhysMem,
    readonly pv: PvTable,
    readonly bus: EventBus,
    readonly counters: Counters,
    readonly cpus: number,
    readonly features: Readonly<Record<string, boolean>>,
    readonly abi: string,
  ) {
    this.tlb = cpus > 1 ? new TlbModel(cpus, mem, counters) : null;
  }

  /** Registers a pmap and returns its id. */
  register(p: Pmap): void {
    this.pmaps[p.id] = p;
  }

  nextId(): number {
    return this.pmaps.length;
  }

  unregister(p: Pmap): void {
    this.pmaps[p.id] = undefined;
  }
}

/** DI token for the context. */
export { PmapContextToken } from './PmapContextToken.ts';
