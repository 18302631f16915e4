import { PAGE_SIZE } from '../abi/constants.ts';
import { SleepLock } from '../sched/KGen.ts';
import type { ChangeOwner } from '../invariants/ChangeLog.ts';
import type { VmMapEntry } from './VmMapEntry.ts';

/**
 * A map (FreeBSD struct vm_map): entries ordered by address in a sorted array, found by
 * binary search (O(log n)); `timestamp` changes whenever the map changes, so a path that
 * dropped the lock can tell whether its lookup is still good.
 */
export class VmMap implements ChangeOwner {
  readonly entries: VmMapEntry[] = [];
  timestamp = 0;
  readonly lock = new SleepLock('map');
  /**
   * Told of every change of the entries (linked, unlinked, or a field the invariants read
   * changed: VmMapEntry's setters): the vmspace, for the incremental invariant checks.
   */
  owner: ChangeOwner | null = null;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {}

  /** Index of the first entry whose end is above va (entries.length if none). */
  lowerBound(va: number): number {
    const es = this.entries;
    let lo = 0;
    let hi = es.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((es[mid] as VmMapEntry).end <= va) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** vm_map_lookup_entry: the index of the entry containing va, or -1. */
  lookup(va: number): number {
    const i = this.lowerBound(va);
    const e = this.entries[i];
    return e !== undefined && e.start <= va ? i : -1;
  }

  entryAt(va: number): VmMapEntry | undefined {
    const i = this.lookup(va);
    return i < 0 ? undefined : this.entries[i];
  }

  /** Whether [start, end) is covered by entries with no hole. */
  covered(start: number, end: number): boolean {
    let a = start;
    for (let i = this.lowerBound(start); i < this.entries.length && a < end; i++) {
      const e = this.entries[i] as VmMapEntry;
      if (e.start > a) return false;
      a = e.end;
    }
    return a >= end;
  }

  /** Whether any entry intersects [start, end). */
  intersects(start: number, end: number): boolean {
    const e = this.entries[this.lowerBound(start)];
    return e !== undefined && e.start < end;
  }

  /** vm_map_findspace: the lowest address >= hint where len bytes are free, or -1. */
  findSpace(hint: number, len: number): number {
    let a = Math.max(hint, this.min);
    for (let i = this.lowerBound(a); i < this.entries.length; i++) {
      const e = this.entries[i] as VmMapEntry;
      if (e.start >= a + len) break;
      if (e.end > a) a = e.end;
    }
    return a + len <= this.max ? a : -1;
  }

  noteChange(): void {
    this.owner?.noteChange();
  }

  /** Links an entry that overlaps nothing. */
  insert(e: VmMapEntry): number {
    const i = this.lowerBound(e.start);
    this.insertAt(i, e);
    this.timestamp++;
    return i;
  }

  /** Links e at index i (the caller keeps the order; the timestamp is the caller's). */
  insertAt(i: number, e: VmMapEntry): void {
    this.entries.splice(i, 0, e);
    e.map = this;
    this.noteChange();
  }

  /** Links e after the last entry (fork's copy builds a map in order; the timestamp is the caller's). */
  append(e: VmMapEntry): void {
    this.entries.push(e);
    e.map = this;
    this.noteChange();
  }

  removeAt(i: number): void {
    this.entries.splice(i, 1);
    this.timestamp++;
    this.noteChange();
  }

  /**
   * Unlinks the entries at [from, to) in one move (the array shifts once, not once per
   * entry: deleting m of n entries is O(n), where m removeAt calls were O(m * n)).
   */
  removeRange(from: number, to: number): void {
    if (to <= from) return;
    const es = this.entries;
    if (from === 0 && to === es.length) es.length = 0;
    else es.splice(from, to - from);
    this.timestamp++;
    this.noteChange();
  }

  get size(): number {
    return this.entries.length;
  }

  /** Total mapped pages (for reports). */
  get mappedPages(): number {
    let n = 0;
    for (const e of this.entries) n += (e.end - e.start) / PAGE_SIZE;
    return n;
  }
}
