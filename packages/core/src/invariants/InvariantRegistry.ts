import type { Machine } from '../machine/Machine.ts';
import { IncrementalChecker } from './IncrementalChecker.ts';
import type { Invariant, Violation } from './Invariant.ts';

/**
 * How the registry checks: `incremental` re-checks what changed since the last check
 * (IncrementalChecker.ts), `full` runs every invariant's `check` over the whole machine.
 * Both report the same violations in the same order (tests/invariants/incremental.spec.ts).
 */
export type CheckMode = 'incremental' | 'full';

/** The mode the environment asks for: `VMLAB_CHECK=full` forces full checks. */
export function defaultCheckMode(): CheckMode {
  return typeof process !== 'undefined' && process.env.VMLAB_CHECK === 'full' ? 'full' : 'incremental';
}

/** The invariants of a machine, core's first. */
export class InvariantRegistry {
  private readonly list: Invariant[] = [];
  private checker: IncrementalChecker | null = null;

  constructor(readonly mode: CheckMode = defaultCheckMode()) {}

  add(i: Invariant): this {
    if (this.list.some((x) => x.name === i.name)) throw new Error(`invariant ${i.name} registered twice`);
    this.list.push(i);
    this.checker = null;
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
    if (this.mode === 'full') {
      for (const i of this.list) i.check(m, out);
      return out;
    }
    this.checker ??= new IncrementalChecker(this.list);
    this.checker.check(m, out);
    return out;
  }
}
