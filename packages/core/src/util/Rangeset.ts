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
    const r = this.interval(v, start, end);
    // Past everything recorded (ranges set in ascending order, as an address space's entries
    // are deleted at exit): nothing to clip, the interval goes at the end.
    if (last === undefined || last.end <= start) {
      l.push(r);
      return;
    }
    // The intervals [i, j) overlap [start, end); the first keeps what lies before start, the
    // last what lies past end, and r goes between them (as removing [start, end) and then
    // inserting r would leave them). One splice, none when r takes the place of one interval.
    const i = this.firstOverlap(start);
    let j = i;
    while (j < l.length && (l[j] as Range).start < end) j++;
    const first = l[i];
    const lastIn = l[j - 1];
    const left = i < j && (first as Range).start < start ? this.interval(first as V & Range, (first as Range).start, start) : null;
    const right = i < j && (lastIn as Range).end > end ? this.interval(lastIn as V & Range, end, (lastIn as Range).end) : null;
    if (left === null && right === null) {
      if (j - i === 1) l[i] = r;
      else l.splice(i, j - i, r);
    } else if (left === null) l.splice(i, j - i, r, right as V & Range);
    else if (right === null) l.splice(i, j - i, left, r);
    else l.splice(i, j - i, left, r, right);
  }

  /** Forgets [start, end); true if anything was recorded there (rangeset_remove). */
  remove(start: number, end: number): boolean {
    return this.removeIf(start, end, always);
  }

  /**
   * Forgets the parts of [start, end) whose value satisfies `pred` (rangeset_remove_pred):
   * an interval that straddles a bound is clipped and keeps its outside part.
   */
  removeIf(start: number, end: number, pred: (v: V) => boolean): boolean {
    if (end <= start) return false;
    const l = this.list;
    let i = this.firstOverlap(start);
    let any = false;
    while (i < l.length) {
      const r = l[i] as V & Range;
      if (r.start >= end) break;
      if (!pred(r)) {
        i++;
        continue;
      }
      if (!any) this.owner?.noteChange();
      any = true;
      const before = r.start < start;
      const after = r.end > end;
      if (before && after) {
        l.splice(i, 1, this.interval(r, r.start, start), this.interval(r, end, r.end));
        i += 2;
      } else if (before) l[i++] = this.interval(r, r.start, start);
      else if (after) l[i++] = this.interval(r, end, r.end);
      else l.splice(i, 1);
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

  /**
   * A new interval of `v` over [start, end): v's own fields, then start and end (the fields
   * and order `{ ...v, start, end }` gives; `v` may be an interval being clipped). A subclass
   * whose values have known fields builds the literal instead: V8 (node 20) adds fields to a
   * spread or assigned copy on a slow path, about 0.7 us a field, and the MD pmaps'
   * rangesets change on every munmap.
   */
  protected interval(v: V, start: number, end: number): V & Range {
    return Object.assign({}, v, { start, end });
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

const always = (): boolean => true;

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
