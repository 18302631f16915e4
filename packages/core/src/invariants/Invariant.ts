import type { Machine } from '../machine/Machine.ts';

/** A violated invariant: its name and what was found. */
export interface Violation {
  invariant: string;
  message: string;
}

/**
 * A named invariant (SCENARIO.md "Invariants"), checked after every step by `run --check`
 * and `explore`. Plugins and MD packages add their own through the InvariantRegistry.
 */
export interface Invariant {
  readonly name: string;
  readonly description: string;
  /** Appends a violation for everything that does not hold. */
  check(m: Machine, out: Violation[]): void;
}

/** Token: invariants contributed by MD packages and plugins (multi-bound). */
export const InvariantContribution = Symbol('InvariantContribution');

/** The invariants of a machine, core's first. */
export class InvariantRegistry {
  private readonly list: Invariant[] = [];

  add(i: Invariant): this {
    if (this.list.some((x) => x.name === i.name)) throw new Error(`invariant ${i.name} registered twice`);
    this.list.push(i);
    return this;
  }

  all(): readonly Invariant[] {
    return this.list;
  }

  has(name: string): boolean {
    return this.list.some((x) => x.name === name);
  }

  /** Every violation, in registration order. */
  check(m: Machine): Violation[] {
    const out: Violation[] = [];
    for (const i of this.list) i.check(m, out);
    return out;
  }
}
