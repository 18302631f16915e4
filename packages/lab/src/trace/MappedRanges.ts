/**
 * The address ranges a traced process has mapped, as the reader sees them from the recorded system calls
 * (sorted, disjoint, adjacent ranges merged). The lackey reader uses it to tell an access to a mapping the
 * trace created from an access to one that existed before the first recorded system call.
 */
export class MappedRanges {
  private starts: number[] = [];
  private ends: number[] = [];
  private hit = -1;

  /** True when [va, va+1) is inside a range. */
  has(va: number): boolean {
    const h = this.hit;
    if (h >= 0 && h < this.starts.length && va >= this.starts[h]! && va < this.ends[h]!) return true;
    const i = this.find(va);
    if (i >= 0 && va < this.ends[i]!) {
      this.hit = i;
      return true;
    }
    return false;
  }

  /** Index of the last range whose start is <= va, or -1. */
  private find(va: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= va) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    this.remove(start, end);
    let i = this.find(start) + 1;
    this.starts.splice(i, 0, start);
    this.ends.splice(i, 0, end);
    // merge with the neighbours when adjacent
    if (i + 1 < this.starts.length && this.starts[i + 1] === this.ends[i]) {
      this.ends[i] = this.ends[i + 1]!;
      this.starts.splice(i + 1, 1);
      this.ends.splice(i + 1, 1);
    }
    if (i > 0 && this.ends[i - 1] === this.starts[i]) {
      this.ends[i - 1] = this.ends[i]!;
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
      i--;
    }
    this.hit = -1;
  }

  remove(start: number, end: number): void {
    if (end <= start) return;
    const ns: number[] = [];
    const ne: number[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      const s = this.starts[i]!;
      const e = this.ends[i]!;
      if (e <= start || s >= end) {
        ns.push(s);
        ne.push(e);
        continue;
      }
      if (s < start) {
        ns.push(s);
        ne.push(start);
      }
      if (e > end) {
        ns.push(end);
        ne.push(e);
      }
    }
    this.starts = ns;
    this.ends = ne;
    this.hit = -1;
  }

  /** The parts of [start, end) no range covers. */
  gaps(start: number, end: number): [number, number][] {
    const out: [number, number][] = [];
    let at = start;
    for (let i = Math.max(0, this.find(start)); i < this.starts.length && at < end; i++) {
      const s = this.starts[i]!;
      const e = this.ends[i]!;
      if (e <= at) continue;
      if (s >= end) break;
      if (s > at) out.push([at, s]);
      at = Math.max(at, e);
    }
    if (at < end) out.push([at, end]);
    return out;
  }

  clear(): void {
    this.starts = [];
    this.ends = [];
    this.hit = -1;
  }

  copy(): MappedRanges {
    const m = new MappedRanges();
    m.starts = this.starts.slice();
    m.ends = this.ends.slice();
    return m;
  }

  /** The ranges as [start, end) pairs (for tests and reports). */
  ranges(): [number, number][] {
    return this.starts.map((s, i) => [s, this.ends[i]!]);
  }
}
