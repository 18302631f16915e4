import { PAGE_SIZE } from '../abi/constants.ts';
import { SleepLock } from '../sched/KGen.ts';
import type { ChangeOwner } from '../invariants/ChangeLog.ts';
import type { VmMapEntry } from './VmMapEntry.ts';

/**
 * A map (FreeBSD struct vm_map): its entries in address order, each linked to its neighbours
 * (`prev`, `next`: FreeBSD's vm_map_entry_pred/succ) and held in a search tree on their
 * start addresses, so a lookup, an insertion and a removal cost O(log n) in a map of n
 * entries and a walk costs O(1) per entry. `timestamp` changes whenever the map changes, so a
 * path that dropped the lock can tell whether its lookup is still good.
 *
 * The tree is a treap whose priorities are a hash of the start address (FreeBSD splays, Linux
 * keeps a maple tree): its shape depends only on the set of entries, never on the order they
 * came in or on the lookups made, so two machines with the same entries hold the same graph
 * (explore's state cache hashes the heap and counts on that). The links and the subtree sizes
 * live on the entries (VmMapEntry.prev/next/left/right/subtree) and belong to the map.
 *
 * Walk a range with `for (let e = map.ceil(start); e !== null && e.start < end; e = e.next)`;
 * `for (const e of map.entries)` walks them all. `entries` also answers `entries[i]` and
 * `entries.length` (in O(log n) and O(1)) for readers written against the old sorted array;
 * it is read-only.
 */
export class VmMap implements ChangeOwner {
  /** The tree's root (null when the map is empty). */
  root: VmMapEntry | null = null;
  /** The lowest and highest entries (the ends of the address-ordered list). */
  first: VmMapEntry | null = null;
  last: VmMapEntry | null = null;
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

  /** The entries in address order, as a read-only array-like view (see the class comment). */
  get entries(): readonly VmMapEntry[] {
    let v = views.get(this);
    if (v === undefined) {
      v = entriesView(this);
      views.set(this, v);
    }
    return v;
  }

  /** Entries in the map. */
  get size(): number {
    return this.root === null ? 0 : this.root.subtree;
  }

  /** The first entry whose end is above va (vm_map_lookup_entry's successor), or null. */
  ceil(va: number): VmMapEntry | null {
    let t = this.root;
    let best: VmMapEntry | null = null;
    while (t !== null) {
      if (t.end <= va) t = t.right;
      else {
        best = t;
        t = t.left;
      }
    }
    return best;
  }

  /** vm_map_lookup_entry: the entry containing va, or undefined. */
  entryAt(va: number): VmMapEntry | undefined {
    let t = this.root;
    while (t !== null) {
      if (va < t.start) t = t.left;
      else if (va >= t.end) t = t.right;
      else return t;
    }
    return undefined;
  }

  /** Whether e is one of this map's entries. */
  contains(e: VmMapEntry): boolean {
    return this.entryAt(e.start) === e;
  }

  /** The entry at position i in address order (O(log n)), or undefined. */
  at(i: number): VmMapEntry | undefined {
    if (!(i >= 0 && i < this.size)) return undefined;
    let t = this.root;
    while (t !== null) {
      const l = t.left === null ? 0 : t.left.subtree;
      if (i < l) t = t.left;
      else if (i === l) return t;
      else {
        i -= l + 1;
        t = t.right;
      }
    }
    return undefined;
  }

  /** The position of an entry of this map in address order (O(log n)), or -1. */
  indexOf(e: VmMapEntry): number {
    let t = this.root;
    let i = 0;
    while (t !== null) {
      if (e.start < t.start) t = t.left;
      else {
        const l = t.left === null ? 0 : t.left.subtree;
        if (t === e) return i + l;
        if (e.start === t.start) return -1;
        i += l + 1;
        t = t.right;
      }
    }
    return -1;
  }

  /** Position of the first entry whose end is above va (size if none); see ceil. */
  lowerBound(va: number): number {
    const e = this.ceil(va);
    return e === null ? this.size : this.indexOf(e);
  }

  /** The position of the entry containing va, or -1; see entryAt. */
  lookup(va: number): number {
    const e = this.entryAt(va);
    return e === undefined ? -1 : this.indexOf(e);
  }

  /** Whether [start, end) is covered by entries with no hole. */
  covered(start: number, end: number): boolean {
    let a = start;
    for (let e = this.ceil(start); e !== null && a < end; e = e.next) {
      if (e.start > a) return false;
      a = e.end;
    }
    return a >= end;
  }

  /** Whether any entry intersects [start, end). */
  intersects(start: number, end: number): boolean {
    const e = this.ceil(start);
    return e !== null && e.start < end;
  }

  /** vm_map_findspace: the lowest address >= hint where len bytes are free, or -1. */
  findSpace(hint: number, len: number): number {
    let a = Math.max(hint, this.min);
    for (let e = this.ceil(a); e !== null; e = e.next) {
      if (e.start >= a + len) break;
      if (e.end > a) a = e.end;
    }
    return a + len <= this.max ? a : -1;
  }

  noteChange(): void {
    this.owner?.noteChange();
  }

  /** Links an entry that overlaps nothing. */
  insert(e: VmMapEntry): void {
    this.link(e);
    this.timestamp++;
  }

  /** Unlinks an entry of this map. */
  remove(e: VmMapEntry): void {
    this.unlink(e);
    this.timestamp++;
    this.noteChange();
  }

  /** Unlinks the entry at position i. */
  removeAt(i: number): void {
    const e = this.at(i);
    if (e !== undefined) this.remove(e);
  }

  /**
   * Unlinks `from` and the entries after it that start below `end`, in one move: the tree is
   * split around them and joined again (O(log n) for the tree, O(1) per entry unlinked).
   */
  removeFrom(from: VmMapEntry | null, end: number): void {
    if (from === null || from.start >= end) return;
    const before = from.prev;
    split(this.root, from.start);
    const low = splitL;
    split(splitR, end);
    const high = splitR;
    splitL = null;
    splitR = null;
    this.root = merge(low, high);
    let after: VmMapEntry | null = null;
    for (let e: VmMapEntry | null = from; e !== null; ) {
      if (e.start >= end) {
        after = e;
        break;
      }
      const n: VmMapEntry | null = e.next;
      clearLinks(e);
      e = n;
    }
    if (before === null) this.first = after;
    else before.next = after;
    if (after === null) this.last = before;
    else after.prev = before;
    this.timestamp++;
    this.noteChange();
  }

  /** Unlinks the entries at positions [from, to). */
  removeRange(from: number, to: number): void {
    if (to <= from) return;
    const a = this.at(from);
    const b = this.at(to - 1);
    if (a !== undefined && b !== undefined) this.removeFrom(a, b.end);
  }

  /**
   * Links an entry that overlaps nothing, without changing the timestamp (a caller that
   * changes the map in several steps bumps it once).
   */
  link(e: VmMapEntry): void {
    // The neighbours first: the last entry starting below e, and the one after it.
    let p: VmMapEntry | null = null;
    for (let t = this.root; t !== null; ) {
      if (t.start < e.start) {
        p = t;
        t = t.right;
      } else t = t.left;
    }
    const n = p === null ? this.first : p.next;
    e.prev = p;
    e.next = n;
    if (p === null) this.first = e;
    else p.next = e;
    if (n === null) this.last = e;
    else n.prev = e;
    e.left = null;
    e.right = null;
    e.subtree = 1;
    this.root = insertNode(this.root, e);
    e.map = this;
    this.noteChange();
  }

  /** Unlinks an entry of this map without changing the timestamp (see link). */
  unlink(e: VmMapEntry): void {
    this.root = removeNode(this.root, e);
    const p = e.prev;
    const n = e.next;
    if (p === null) this.first = n;
    else p.next = n;
    if (n === null) this.last = p;
    else n.prev = p;
    clearLinks(e);
    this.noteChange();
  }

  /**
   * Moves an entry of this map to start at `start` (a clip or a merge: the entries between
   * its old and new start are gone or not yet linked), without changing the timestamp.
   */
  setStart(e: VmMapEntry, start: number): void {
    this.unlink(e);
    e.start = start;
    this.link(e);
  }

  /** Total mapped pages (for reports). */
  get mappedPages(): number {
    let n = 0;
    for (let e = this.first; e !== null; e = e.next) n += (e.end - e.start) / PAGE_SIZE;
    return n;
  }
}

/** The read-only views of `entries`, made once per map (kept off the map: the view holds no state). */
const views = new WeakMap<VmMap, readonly VmMapEntry[]>();

/** A walk of the entries in address order. */
class EntryIterator implements IterableIterator<VmMapEntry> {
  constructor(private e: VmMapEntry | null) {}
  next(): IteratorResult<VmMapEntry, undefined> {
    const e = this.e;
    if (e === null) return { done: true, value: undefined };
    this.e = e.next;
    return { done: false, value: e };
  }
  [Symbol.iterator](): IterableIterator<VmMapEntry> {
    return this;
  }
}

const isIndex = (key: string | symbol): key is string => typeof key === 'string' && key.length > 0 && key.length < 16 && /^(0|[1-9][0-9]*)$/.test(key);

/**
 * `map.entries`: an array-like view of the map for readers of the old sorted array (index,
 * length, iteration, and the non-mutating Array methods, which read through index and length).
 * Writing through it throws: the map changes only through its own methods.
 */
function entriesView(map: VmMap): readonly VmMapEntry[] {
  const iterate = (): IterableIterator<VmMapEntry> => new EntryIterator(map.first);
  const refuse = (): never => {
    throw new TypeError('VmMap.entries is read-only: use VmMap.insert/remove');
  };
  return new Proxy([] as VmMapEntry[], {
    get(target, key, receiver) {
      if (key === 'length') return map.size;
      if (key === Symbol.iterator || key === 'values') return iterate;
      if (isIndex(key)) return map.at(Number(key));
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (isIndex(key)) return Number(key) < map.size;
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (key === 'length') return { value: map.size, writable: true, enumerable: false, configurable: false };
      if (isIndex(key)) {
        const e = map.at(Number(key));
        return e === undefined ? undefined : { value: e, writable: false, enumerable: true, configurable: true };
      }
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys() {
      const keys: string[] = [];
      for (let i = 0; i < map.size; i++) keys.push(String(i));
      keys.push('length');
      return keys;
    },
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
  }) as readonly VmMapEntry[];
}

// The treap. Priorities are a hash of the entry's page number (ties, which hashing allows,
// broken by address), so the shape is a function of the set of start addresses.

function prio(start: number): number {
  const vpn = start / PAGE_SIZE;
  let h = (vpn | 0) ^ Math.imul(Math.floor(vpn / 0x100000000) | 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Whether a belongs above b in the heap order. */
function above(a: VmMapEntry, b: VmMapEntry): boolean {
  const pa = prio(a.start);
  const pb = prio(b.start);
  return pa > pb || (pa === pb && a.start < b.start);
}

function resize(t: VmMapEntry): void {
  t.subtree = 1 + (t.left === null ? 0 : t.left.subtree) + (t.right === null ? 0 : t.right.subtree);
}

function clearLinks(e: VmMapEntry): void {
  e.prev = null;
  e.next = null;
  e.left = null;
  e.right = null;
  e.subtree = 1;
}

// split's two results (module state only for the length of one call: nothing is kept).
let splitL: VmMapEntry | null = null;
let splitR: VmMapEntry | null = null;

/** Splits t into the entries starting below key (splitL) and the rest (splitR). */
function split(t: VmMapEntry | null, key: number): void {
  if (t === null) {
    splitL = null;
    splitR = null;
    return;
  }
  if (t.start < key) {
    split(t.right, key);
    t.right = splitL;
    resize(t);
    splitL = t;
  } else {
    split(t.left, key);
    t.left = splitR;
    resize(t);
    splitR = t;
  }
}

/** Joins two treaps, every entry of a below every entry of b. */
function merge(a: VmMapEntry | null, b: VmMapEntry | null): VmMapEntry | null {
  if (a === null) return b;
  if (b === null) return a;
  if (above(a, b)) {
    a.right = merge(a.right, b);
    resize(a);
    return a;
  }
  b.left = merge(a, b.left);
  resize(b);
  return b;
}

function insertNode(t: VmMapEntry | null, e: VmMapEntry): VmMapEntry {
  if (t === null) return e;
  if (above(e, t)) {
    split(t, e.start);
    e.left = splitL;
    e.right = splitR;
    splitL = null;
    splitR = null;
    resize(e);
    return e;
  }
  if (e.start < t.start) t.left = insertNode(t.left, e);
  else t.right = insertNode(t.right, e);
  t.subtree++;
  return t;
}

function removeNode(t: VmMapEntry | null, e: VmMapEntry): VmMapEntry | null {
  if (t === null) throw new Error(`VmMap: entry [0x${e.start.toString(16)}, 0x${e.end.toString(16)}) is not in the map`);
  if (t === e) return merge(e.left, e.right);
  if (e.start < t.start) t.left = removeNode(t.left, e);
  else t.right = removeNode(t.right, e);
  t.subtree--;
  return t;
}
