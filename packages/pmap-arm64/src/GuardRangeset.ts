import { type Range, Rangeset } from '@vmlab/core';

/**
 * The pmap's BTI rangeset (FreeBSD `pm_bti`, T2.2): core's Rangeset with no value (arm64
 * has no PERSIST). `add` is pmap_bti_set's insertion.
 */
export class GuardRangeset extends Rangeset<object> {
  protected override interval(_v: object, start: number, end: number): Range {
    return { start, end };
  }

  add(start: number, end: number): void {
    this.set(start, end, {});
  }
}
