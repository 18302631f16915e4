/** What the rangeset records for an address range: a protection key and the PERSIST flag. */
export interface KeyValue {
  readonly key: number;
  readonly persist: boolean;
}

/** One interval [start, end) of the rangeset. */
export interface KeyInterval extends KeyValue {
  readonly start: number;
  readonly end: number;
}

/**
 * An interval map from virtual-address ranges to `{key, persist}` (FreeBSD's `pm_pkru`
 * rangeset, T1.10). Intervals are disjoint and kept sorted by start; adjacent intervals
 * are not merged (as in FreeBSD, each SET inserts one interval), so `intervals()` shows
 * the history of assignments that are still in force. Every range operation clips the
 * intervals it overlaps at the range's ends.
 */
export class KeyRangeset {
  private list: KeyInterval[] = [];

  /** Number of intervals. */
  get size(): number {
    return this.list.length;
  }

  /** The intervals, ascending. */
  intervals(): readonly KeyInterval[] {
    return this.list;
  }

  /** The value recorded for va, or undefined when no interval covers it. */
  lookup(va: number): KeyValue | undefined {
    const i = this.upperBound(va) - 1;
    const r = this.list[i];
    return r !== undefined && va < r.end ? r : undefined;
  }

  /** Whether any interval overlaps [start, end) (rangeset_check_empty negated). */
  overlaps(start: number, end: number): boolean {
    const i = this.firstOverlap(start);
    const r = this.list[i];
    return r !== undefined && r.start < end;
  }

  /** Records `v` over [start, end), replacing whatever was recorded there. */
  set(start: number, end: number, v: KeyValue): void {
    if (end <= start) return;
    this.remove(start, end);
    const i = this.upperBound(start);
    this.list.splice(i, 0, { start, end, key: v.key, persist: v.persist });
  }

  /** Forgets [start, end); true if anything was recorded there. */
  remove(start: number, end: number): boolean {
    return this.removeIf(start, end, () => true);
  }

  /**
   * Forgets the parts of [start, end) whose value satisfies `pred` (rangeset_remove_pred):
   * an interval that straddles a bound is clipped and keeps its outside part.
   */
  removeIf(start: number, end: number, pred: (v: KeyValue) => boolean): boolean {
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
      any = true;
      const keep: KeyInterval[] = [];
      if (r.start < start) keep.push({ ...r, end: start });
      if (r.end > end) keep.push({ ...r, start: end });
      this.list.splice(i, 1, ...keep);
      i += keep.length;
    }
    return any;
  }

  /** Forgets everything (pmap_pkru_deassign_all); true if anything was recorded. */
  clear(): boolean {
    const any = this.list.length > 0;
    this.list = [];
    return any;
  }

  /** Replaces this rangeset's contents with a copy of `src` (pmap_pkru_copy). */
  copyFrom(src: KeyRangeset): void {
    this.list = src.list.slice();
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
    if (i >= 0 && this.list[i]!.end > start) return i;
    return i + 1;
  }
}
