/** A set of disjoint, sorted, half-open byte ranges (the pmap's BTI rangeset; no flags). */
export class IntervalSet {
  /** Flat [start0, end0, start1, end1, ...], sorted, disjoint, non-adjacent. */
  private r: number[] = [];

  get size(): number {
    return this.r.length / 2;
  }

  /** Every interval, in order. */
  intervals(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.r.length; i += 2) out.push([this.r[i]!, this.r[i + 1]!]);
    return out;
  }

  contains(va: number): boolean {
    const r = this.r;
    let lo = 0;
    let hi = r.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (va < r[2 * mid]!) hi = mid - 1;
      else if (va >= r[2 * mid + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Whether any interval overlaps [start, end). */
  overlaps(start: number, end: number): boolean {
    for (let i = 0; i < this.r.length; i += 2) if (this.r[i]! < end && this.r[i + 1]! > start) return true;
    return false;
  }

  /** Adds [start, end), merging with touching intervals. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const out: number[] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (let i = 0; i < this.r.length; i += 2) {
      const a = this.r[i]!;
      const b = this.r[i + 1]!;
      if (b < s) out.push(a, b);
      else if (a > e) {
        if (!placed) {
          out.push(s, e);
          placed = true;
        }
        out.push(a, b);
      } else {
        s = Math.min(s, a);
        e = Math.max(e, b);
      }
    }
    if (!placed) out.push(s, e);
    this.r = out;
  }

  /** Removes [start, end) (clipping intervals that straddle it); returns how much was removed. */
  remove(start: number, end: number): number {
    const out: number[] = [];
    let removed = 0;
    for (let i = 0; i < this.r.length; i += 2) {
      const a = this.r[i]!;
      const b = this.r[i + 1]!;
      if (b <= start || a >= end) {
        out.push(a, b);
        continue;
      }
      removed += Math.min(b, end) - Math.max(a, start);
      if (a < start) out.push(a, start);
      if (b > end) out.push(end, b);
    }
    this.r = out;
    return removed;
  }

  clear(): void {
    this.r = [];
  }

  copyFrom(o: IntervalSet): void {
    this.r = o.r.slice();
  }

  equals(o: IntervalSet): boolean {
    return this.r.length === o.r.length && this.r.every((x, i) => x === o.r[i]);
  }
}
