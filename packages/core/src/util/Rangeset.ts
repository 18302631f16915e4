import type { ChangeOwner } from '../invariants/ChangeLog.ts';

/** A half-open address range. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/**
 * An interval map from address ranges to values (FreeBSD sys/kern/subr_rangeset.c, the
 * structure both the amd64 PKRU keys and the arm64 BTI guards of a pmap live in).
 * Intervals are disjoint and sorted by start. Adjacent intervals are not merged: as in
 * FreeBSD, each insertion is one interval, so `intervals()` shows the assignments still in
 * force. Every range operation clips the intervals it overlaps at the range's ends.
 */
export class Rangeset<V extends object = object> {
  private list: (V & Range)[] = [];
  /** Told of every change (an MD pmap, for the incremental invariant checks). */
  owner: ChangeOwner | null = null;

  /** Number of intervals. */
  get size(): number {
    return this.list.length;
  }

  /** The intervals, ascending. */
  intervals(): readonly (V & Range)[] {
    return this.list;
  }

  /** The interval covering va (its value and bounds), or undefined. */
  lookup(va: number): (V & Range) | undefined {
    const r = this.list[this.upperBound(va) - 1];
    return r !== undefined && va < r.end ? r : undefined;
  }

  contains(va: number): boolean {
    return this.lookup(va) !== undefined;
  }

  /** Whether any interval overlaps [start, end) (rangeset_check_empty negated). */
  overlaps(start: number, end: number): boolean {
    const r = this.list[this.firstOverlap(start)];
    return r !== undefined && r.start < end;
  }

  /** Records `v` over [start, end), replacing whatever was recorded there (rangeset_insert). */
  set(start: number, end: number, v: V): void {
    if (end <= start) return;
    this.owner?.noteChange();
    const l = this.list;
    const last = l[l.length - 1];
    // Past everything recorded (ranges set in ascending order, as an address space's entries
    // are deleted at exit): nothing to clip, the interval goes at the end.
    if (last === undefined || last.end <= start) {
      l.push({ ...v, start, end });
      return;
    }
    this.remove(start, end);
    this.list.splice(this.upperBound(start), 0, { ...v, start, end });
  }

  /** Forgets [start, end); true if anything was recorded there (rangeset_remove). */
  remove(start: number, end: number): boolean {
    return this.removeIf(start, end, () => true);
  }

  /**
   * Forgets the parts of [start, end) whose value satisfies `pred` (rangeset_remove_pred):
   * an interval that straddles a bound is clipped and keeps its outside part.
   */
  removeIf(start: number, end: number, pred: (v: V) => boolean): boolean {
    if (end <= start) return false;
    let i = this.firstOverlap(start);
    let any = false;
    while (i < this.list.length) {
      const r = this.list[i]!;
      if (r.start >= end) break;
      if (!pred(r)) {
        i++;
        continue;
      }
      if (!any) this.owner?.noteChange();
      any = true;
      const keep: (V & Range)[] = [];
      if (r.start < start) keep.push({ ...r, end: start });
      if (r.end > end) keep.push({ ...r, start: end });
      this.list.splice(i, 1, ...keep);
      i += keep.length;
    }
    return any;
  }

  /** Forgets everything (rangeset_remove_all); true if anything was recorded. */
  clear(): boolean {
    const any = this.list.length > 0;
    if (any) this.owner?.noteChange();
    this.list = [];
    return any;
  }

  /** Replaces this rangeset's contents with a copy of `src` (rangeset_copy). */
  copyFrom(src: Rangeset<V>): void {
    this.owner?.noteChange();
    this.list = src.list.slice();
  }

  /**
   * Whether both record the same value at every address (however the intervals are cut);
   * values compare with `same` (default: every own field equal).
   */
  sameCoverage(o: Rangeset<V>, same: (a: V, b: V) => boolean = shallowEqual): boolean {
    const a = merged(this.list, same);
    const b = merged(o.list, same);
    return a.length === b.length && a.every((r, i) => r.start === b[i]!.start && r.end === b[i]!.end && same(r, b[i]!));
  }

  /** Index of the first interval whose start is > va. */
  private upperBound(va: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid]!.start <= va) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first interval that ends after `start`. */
  private firstOverlap(start: number): number {
    const i = this.upperBound(start) - 1;
    return i >= 0 && this.list[i]!.end > start ? i : i + 1;
  }
}

function shallowEqual(a: object, b: object): boolean {
  for (const k of Object.keys(a)) {
    if (k === 'start' || k === 'end') continue;
    if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  }
  return true;
}

/** Touching intervals with the same value joined. */
function merged<V extends object>(list: readonly (V & Range)[], same: (a: V, b: V) => boolean): (V & Range)[] {
  const out: (V & Range)[] = [];
  for (const r of list) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === r.start && same(last, r)) out[out.length - 1] = { ...last, end: r.end };
    else out.push(r);
  }
  return out;
}
