import type { Machine } from '../machine/Machine.ts';
import type { Pmap } from '../pmap/Pmap.ts';
import type { Vmspace } from '../proc/Vmspace.ts';

/** A violated invariant: its name and what was found. */
export interface Violation {
  invariant: string;
  message: string;
}

/**
 * A named invariant (SCENARIO.md "Invariants"), checked after every step by `run --check`
 * and `explore`. Plugins and MD packages add their own through the InvariantRegistry.
 *
 * `check` looks at the whole machine. An invariant may also say how to check one vmspace
 * or one pmap (docs/invariants.md "Incremental checking"); then, after each step, only the
 * units the step can have changed are checked again and the others' violations are kept.
 * An invariant with `check` alone is checked whole after every step.
 */
export interface Invariant {
  readonly name: string;
  readonly description: string;
  /** Appends a violation for everything that does not hold. */
  check(m: Machine, out: Violation[]): void;
  /**
   * Optional: the check of one live vmspace. `check(m, out)` must append exactly what this
   * appends for each of `liveVmspaces(m.kernel)`, in that order (ascending id). It may read
   * the vmspace's map and entries, its pmap (PTEs and MD state that reports its changes),
   * and the objects its entries' object chains reach (their pages, backing objects, pager).
   */
  checkVmspace?(m: Machine, vms: Vmspace, out: Violation[]): void;
  /**
   * Optional: the check of one registered pmap (PmapContext.pmaps). `check(m, out)` must
   * append exactly what this appends for each registered pmap, ascending id. It may read the
   * pmap (PTEs and MD state that reports its changes) and its vmspace's map.
   */
  checkPmap?(m: Machine, pmap: Pmap, out: Violation[]): void;
}

/** Token: invariants contributed by MD packages and plugins (multi-bound). */
export const InvariantContribution = Symbol('InvariantContribution');
