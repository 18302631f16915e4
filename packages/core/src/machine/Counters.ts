/**
 * Machine-wide counters shown by `--json` and `compare`. MD packages and plugins add their
 * own names with `add`; every counter is a plain number.
 */
export class Counters {
  readonly values: Record<string, number> = Object.create(null);

  add(name: string, n = 1): void {
    this.values[name] = (this.values[name] ?? 0) + n;
  }

  get(name: string): number {
    return this.values[name] ?? 0;
  }

  /** A sorted, plain copy. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of Object.keys(this.values).sort()) out[k] = this.values[k] as number;
    return out;
  }
}
