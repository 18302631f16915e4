/**
 * Machine-wide counters shown by `--json` and `compare`. MD packages and plugins add their
 * own names with `add`; every counter is a plain number. The few that the fault and pmap
 * hot paths bump are plain fields (`pteWrites`, `faultsResolved`, `cowCopies`, `zeroFills`), reported
 * under their names `pte_writes`, `faults`, `cow_copies`, `zero_fill`.
 */
export class Counters {
  readonly values: Record<string, number> = Object.create(null);
  /** PTE writes (installs, removals, rights and MD-bit changes). */
  pteWrites = 0;
  /** Faults the VM resolved (reported as `faults` unless the runner reports fault events). */
  faultsResolved = 0;
  /** Copy-on-write copies. */
  cowCopies = 0;
  /** Faults that zero-filled a page in the first object. */
  zeroFills = 0;

  add(name: string, n = 1): void {
    switch (name) {
      case 'pte_writes':
        this.pteWrites += n;
        return;
      case 'faults':
        this.faultsResolved += n;
        return;
      case 'cow_copies':
        this.cowCopies += n;
        return;
      case 'zero_fill':
        this.zeroFills += n;
        return;
      default:
        this.values[name] = (this.values[name] ?? 0) + n;
    }
  }

  get(name: string): number {
    return this.snapshot()[name] ?? 0;
  }

  /** A sorted, plain copy. */
  snapshot(): Record<string, number> {
    const all: Record<string, number> = { ...this.values };
    if (this.pteWrites !== 0) all.pte_writes = this.pteWrites;
    if (this.faultsResolved !== 0) all.faults = this.faultsResolved;
    if (this.cowCopies !== 0) all.cow_copies = this.cowCopies;
    if (this.zeroFills !== 0) all.zero_fill = this.zeroFills;
    const out: Record<string, number> = {};
    for (const k of Object.keys(all).sort()) out[k] = all[k] as number;
    return out;
  }
}
