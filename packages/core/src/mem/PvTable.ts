import { grown } from './grown.ts';

const NONE = -1;
const INITIAL_ENTRIES = 256;
const TWO_32 = 4294967296;
/** Bits of a virtual page number above the low 32 (MAX_VPN is 2^36). */
const VPN_HI_BITS = 4;
const VPN_HI_MASK = (1 << VPN_HI_BITS) - 1;
/** Pmap ids must be below this: an id shares a 32-bit word with the vpn's high bits. */
export const PV_MAX_PMAP_ID = 2 ** (31 - VPN_HI_BITS);
const MAX_VPN = 2 ** (32 + VPN_HI_BITS);
/** A frame's `own` value when its pairs are in the pool (its list's head is in `head`). */
const POOL = 0xffff;
/** Class ids are 1..PV_MAX_CLASSES (0 is "no mapping", 0xFFFF is POOL). */
export const PV_MAX_CLASSES = 0xfffe;
/** Class ids a PvTable has room for at first (id 0 included; never used). */
const INITIAL_CLASSES = 64;

/** A frame's key (PhysMem): its page index within its object, and whether it has one at all. */
export interface PvKeys {
  /** The frame's page index within its object. */
  pindexOf(frame: number): number;
  /** -1 for a frame with no key (free); anything else for one with a key. */
  slotOf(frame: number): number;
}

/** Built out of line, as PhysMem's errors are: add must stay small enough to inline. */
function rangeError(pmapId: number, vpn: number): RangeError {
  return new RangeError(`PvTable.add: pmap ${pmapId} / virtual page ${vpn} out of range (pmap ids below ${PV_MAX_PMAP_ID}, pages below 2^36)`);
}

/** The home slot of class key (pmapId, base) in a table of mask + 1 slots. */
function slotOf(pmapId: number, base: number, mask: number): number {
  const lo = base >>> 0;
  const hi = ((base - lo) / TWO_32) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(pmapId + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 13;
  return h & mask;
}

/**
 * Reverse mappings (FreeBSD pv entries): for each frame, the (pmap id, virtual page number)
 * pairs that map it, most-recently-added first. A pair should be added to a frame at most once.
 *
 * Most frames are mapped once, and the pages of one map entry are mapped at one distance
 * from their index in the object: vpn - pindex is the same for every page of the entry
 * (entry start - entry offset, in pages). So a frame mapped once holds a 16-bit CLASS id
 * (`own`, 2 bytes a frame), a class being the interned pair (pmap id, base) with
 * base = vpn - the frame's page index (`keys.pindexOf`; without keys the index counts as 0,
 * so base = vpn): the pair is (pmap, base + pindex). One class serves a whole mapping
 * (16M pages faulted into one anonymous mapping share one). A frame whose page index
 * changes (vm_page_rename: a collapse or a split moves it to another object) is `rekey`ed.
 *
 * Classes live in typed arrays indexed by id (pmap, base, the number of frames holding it),
 * found by an open-addressing hash of (pmap, base); a class is freed when no frame holds it,
 * and a new one takes the lowest free id (so the arrays depend on which classes exist and
 * the order they were made in, not on the order earlier ones were freed). Worst case: a
 * frame whose mapping is the only one of its class costs a class entry besides its 2 bytes,
 * about 20 bytes (pmap 4, base 8, count 4, two hash slots 4, and a bit).
 *
 * Frames with two or more mappings (or one, when every class id is taken) keep their pairs
 * as a singly linked list in a growable entry pool, `own` then POOL and the list's first
 * entry in `head`, an array that exists only while some frame uses the pool. A pool pair is
 * two 32-bit words: the vpn's low 32 bits, and the pmap id shifted left by 4 with the vpn's
 * high 4 bits (so pmap ids stay below PV_MAX_PMAP_ID and vpns below 2^36), 12 bytes an
 * entry. A pool pair is absolute (a rename does not change it). When a frame is left with
 * one pair, it goes back to a class.
 *
 * Entry ids seen through first/nextOf are pool indexes (>= 0), or -2 - frame for a pair held
 * in the frame; -1 ends a list.
 */
export class PvTable {
  /** Entries currently in use (pairs, wherever held). */
  entries = 0;

  /** Per frame: 0 for no mapping, a class id, or POOL. */
  private own: Uint16Array;
  /** Per frame whose own is POOL: its list's first pool entry (null while no frame's is). */
  private head: Int32Array | null = null;
  /** Frames whose own is POOL (`head` is dropped when none is). */
  private poolFrames = 0;

  private lo: Uint32Array;
  private hi: Int32Array;
  private next: Int32Array;
  private top = 0;
  private freeList = NONE;

  /** Per class id: the pmap, the base, and how many frames hold it (0: the id is free). */
  private cPmap: Int32Array;
  private cBase: Float64Array;
  private cRef: Int32Array;
  /** Bit per class id: set while the id is taken (id 0 always is). */
  private cUsed: Int32Array;
  /** Open addressing, linear probing: class ids, 0 for an empty slot; twice the class capacity. */
  private cHash: Uint16Array;
  /** Classes in use. */
  private classes = 0;
  private readonly maxClasses: number;
  private readonly keys: PvKeys | null;

  /**
   * The class `add` used last: pages of a mapping are entered one after another with one
   * class. A private field, not state (explore's snapshots and state hashes see own
   * properties): trusted only while that id still holds the key asked for (a free id's
   * count is 0), so a snapshot restored under it cannot mislead it.
   */
  #last = 0;
  /**
   * The class used before #last (same rules): a COW fault alternates between two pmaps' classes
   * (the child's new page, the parent's page left with one mapping), and a fork's child
   * between its own and the parent's.
   */
  #prev = 0;

  /**
   * `keys` gives a frame's page index (the machine's PhysMem); `maxClasses` caps the class
   * ids (tests make it small to see the table run out; past it, single pairs go to the pool).
   */
  constructor(npages: number, keys: PvKeys | null = null, maxClasses: number = PV_MAX_CLASSES) {
    if (!(maxClasses >= 1 && maxClasses <= PV_MAX_CLASSES && Number.isInteger(maxClasses))) {
      throw new RangeError(`PvTable: bad class limit ${maxClasses} (1 to ${PV_MAX_CLASSES})`);
    }
    this.keys = keys;
    this.maxClasses = maxClasses;
    this.own = new Uint16Array(npages);
    this.lo = new Uint32Array(INITIAL_ENTRIES);
    this.hi = new Int32Array(INITIAL_ENTRIES);
    this.next = new Int32Array(INITIAL_ENTRIES);
    const cap = Math.min(INITIAL_CLASSES, maxClasses + 1);
    this.cPmap = new Int32Array(cap);
    this.cBase = new Float64Array(cap);
    this.cRef = new Int32Array(cap);
    this.cUsed = new Int32Array((cap + 31) >>> 5);
    this.cUsed[0] = 1;
    this.cHash = new Uint16Array(hashSize(cap));
  }

  /** Make room for frames [0, frames) (PhysMem grows its tables with its frames). */
  growFrames(frames: number): void {
    this.own = grown(this.own, frames, 0);
    if (this.head !== null) this.head = grown(this.head, frames, 0);
  }

  /** Record that `pmapId` maps `frame` at virtual page `vpn`. */
  add(frame: number, pmapId: number, vpn: number): void {
    if (!(pmapId >= 0 && pmapId < PV_MAX_PMAP_ID && vpn >= 0 && vpn < MAX_VPN && Number.isInteger(vpn + pmapId))) throw rangeError(pmapId, vpn);
    if (this.own[frame] !== 0) {
      this.addMore(frame, pmapId, vpn);
      return;
    }
    const keys = this.keys;
    if (keys !== null && keys.slotOf(frame) === -1) {
      // A free frame mapped (a kernel that frees a page it left mapped): no index to be
      // relative to, so the pair is kept whole.
      this.entries++;
      this.pushPool(frame, pmapId, vpn, NONE);
      return;
    }
    const base = keys === null ? vpn : vpn - keys.pindexOf(frame);
    const c = this.#last;
    this.entries++;
    if (this.cBase[c] === base && this.cPmap[c] === pmapId && (this.cRef[c] as number) > 0) {
      this.cRef[c]++;
      this.own[frame] = c;
      return;
    }
    this.addFirst(frame, pmapId, vpn, base);
  }

  /** Forget the mapping of `frame` by (`pmapId`, `vpn`); false if there was none. */
  remove(frame: number, pmapId: number, vpn: number): boolean {
    const c = this.own[frame] as number;
    if (c === 0) return false;
    if (c === POOL) return this.removePooled(frame, pmapId, vpn);
    const base = this.keys === null ? vpn : vpn - this.keys.pindexOf(frame);
    if (this.cPmap[c] !== pmapId || this.cBase[c] !== base) return false;
    this.own[frame] = 0;
    this.entries--;
    if (--this.cRef[c] === 0) this.freeClass(c);
    return true;
  }

  /**
   * `frame` is about to let its key go (PhysMem.free; the key is still readable): a pair it
   * still holds by class (a kernel that frees a page it left mapped; an invariant reports it)
   * is kept whole in the pool, so it keeps naming the same virtual page whatever key the frame
   * takes next.
   */
  unkeyed(frame: number): void {
    const c = this.own[frame] as number;
    if (c === 0 || c === POOL) return;
    const pmapId = this.cPmap[c] as number;
    const vpn = this.keys === null ? (this.cBase[c] as number) : (this.cBase[c] as number) + this.keys.pindexOf(frame);
    if (--this.cRef[c] === 0) this.freeClass(c);
    this.own[frame] = 0;
    this.pushPool(frame, pmapId, vpn, NONE);
  }

  /**
   * The page index of `frame` has just changed from `oldPindex` (vm_page_rename): its pair,
   * if the frame holds it by class, is kept (same pmap and vpn) under the class for the new
   * index. Pool pairs are absolute and need nothing.
   */
  rekey(frame: number, oldPindex: number): void {
    const c = this.own[frame] as number;
    if (c === 0 || c === POOL || this.keys === null) return;
    const pmapId = this.cPmap[c] as number;
    const vpn = (this.cBase[c] as number) + oldPindex;
    const base = vpn - this.keys.pindexOf(frame);
    if (base === this.cBase[c]) return;
    if (--this.cRef[c] === 0) this.freeClass(c);
    const n = this.classOf(pmapId, base);
    if (n !== 0) {
      this.cRef[n]++;
      this.own[frame] = n;
    } else {
      this.own[frame] = 0;
      this.pushPool(frame, pmapId, vpn, NONE);
    }
  }

  /** Number of mappings of `frame`. */
  count(frame: number): number {
    const c = this.own[frame] as number;
    if (c === 0) return 0;
    if (c !== POOL) return 1;
    let n = 0;
    for (let e = (this.head as Int32Array)[frame] as number; e !== NONE; e = this.next[e] as number) n++;
    return n;
  }

  /** Call `fn` for each mapping of `frame`; `fn` may remove the mapping it is given. */
  forEach(frame: number, fn: (pmapId: number, vpn: number) => void): void {
    let e = this.first(frame);
    while (e !== NONE) {
      if (e < NONE) {
        fn(this.pmapOf(e), this.vpnOf(e));
        return;
      }
      const n = this.next[e] as number;
      fn(this.pmapOf(e), this.vpnOf(e));
      // Removing the next-to-last pair moves the last one into the frame (if it was still to come).
      if (this.own[frame] !== POOL) e = n === NONE ? NONE : this.first(frame);
      else e = n;
    }
  }

  /** First entry of `frame`'s list, -1 if none (for allocation-free iteration with nextOf/pmapOf/vpnOf). */
  first(frame: number): number {
    const c = this.own[frame] as number;
    return c === 0 ? NONE : c !== POOL ? -2 - frame : ((this.head as Int32Array)[frame] as number);
  }

  /** The entry after `i`, -1 at the end. */
  nextOf(i: number): number {
    return i >= 0 ? (this.next[i] as number) : NONE;
  }

  /** Pmap id of entry `i`. */
  pmapOf(i: number): number {
    return i >= 0 ? (this.hi[i] as number) >>> VPN_HI_BITS : (this.cPmap[this.own[-2 - i] as number] as number);
  }

  /** Virtual page number of entry `i`. */
  vpnOf(i: number): number {
    if (i >= 0) return ((this.hi[i] as number) & VPN_HI_MASK) * TWO_32 + (this.lo[i] as number);
    const f = -2 - i;
    const base = this.cBase[this.own[f] as number] as number;
    return this.keys === null ? base : base + this.keys.pindexOf(f);
  }

  /** Drop every mapping of `frame`. */
  clear(frame: number): void {
    const c = this.own[frame] as number;
    if (c === 0) return;
    this.own[frame] = 0;
    if (c !== POOL) {
      this.entries--;
      if (--this.cRef[c] === 0) this.freeClass(c);
      return;
    }
    const h = (this.head as Int32Array)[frame] as number;
    this.dropHead(frame);
    const next = this.next;
    let t = h;
    let n = 1;
    while (next[t] !== NONE) {
      t = next[t] as number;
      n++;
    }
    next[t] = this.freeList;
    this.freeList = h;
    this.entries -= n;
  }

  /** Bytes of typed-array storage held (capacity): frames, pool, classes and their hash. */
  bytesUsed(): number {
    return (
      this.own.byteLength +
      (this.head?.byteLength ?? 0) +
      this.lo.byteLength +
      this.hi.byteLength +
      this.next.byteLength +
      this.cPmap.byteLength +
      this.cBase.byteLength +
      this.cRef.byteLength +
      this.cUsed.byteLength +
      this.cHash.byteLength
    );
  }

  /** Pool entries in use (pairs of frames with more than one mapping); for tests of the representation. */
  get poolEntries(): number {
    let free = 0;
    for (let e = this.freeList; e !== NONE; e = this.next[e] as number) free++;
    return this.top - free;
  }

  /** Classes in use and how many frames hold each, by id (for tests of the representation). */
  classCounts(): number[] {
    const out: number[] = [];
    for (let c = 1; c < this.cRef.length; c++) if ((this.cRef[c] as number) > 0) out.push(this.cRef[c] as number);
    return out;
  }

  /** add for a frame with no mapping whose class is not the last one used. */
  private addFirst(frame: number, pmapId: number, vpn: number, base: number): void {
    const c = this.classOf(pmapId, base);
    if (c !== 0) {
      this.cRef[c]++;
      this.own[frame] = c;
      return;
    }
    this.pushPool(frame, pmapId, vpn, NONE);
  }

  /** add for a frame that has a mapping already: its pairs go to (or are in) the pool. */
  private addMore(frame: number, pmapId: number, vpn: number): void {
    const c = this.own[frame] as number;
    this.entries++;
    let rest: number;
    if (c === POOL) {
      rest = (this.head as Int32Array)[frame] as number;
    } else {
      // A second mapping: the frame's pair moves to the pool.
      const p = this.cPmap[c] as number;
      const v = this.keys === null ? (this.cBase[c] as number) : (this.cBase[c] as number) + this.keys.pindexOf(frame);
      if (--this.cRef[c] === 0) this.freeClass(c);
      this.own[frame] = 0;
      rest = this.alloc();
      this.setPair(rest, p, v);
      this.next[rest] = NONE;
    }
    const e = this.alloc();
    this.setPair(e, pmapId, vpn);
    this.next[e] = rest;
    this.setHead(frame, e);
  }

  /** A frame's first pair into the pool (the class table is full): a list of one. */
  private pushPool(frame: number, pmapId: number, vpn: number, rest: number): void {
    const e = this.alloc();
    this.setPair(e, pmapId, vpn);
    this.next[e] = rest;
    this.setHead(frame, e);
  }

  private removePooled(frame: number, pmapId: number, vpn: number): boolean {
    if (!(pmapId >= 0 && pmapId < PV_MAX_PMAP_ID && vpn >= 0 && vpn < MAX_VPN)) return false;
    const h = (pmapId << VPN_HI_BITS) | (vpn < TWO_32 ? 0 : (vpn / TWO_32) >>> 0);
    const l = vpn >>> 0;
    const head = this.head as Int32Array;
    const next = this.next;
    const first = head[frame] as number;
    let prev = NONE;
    for (let e = first; e !== NONE; prev = e, e = next[e] as number) {
      if (this.hi[e] !== h || this.lo[e] !== l) continue;
      const n = next[e] as number;
      next[e] = this.freeList;
      this.freeList = e;
      this.entries--;
      if (prev === NONE) {
        if (n === NONE) {
          this.dropHead(frame);
          this.own[frame] = 0;
          return true;
        }
        head[frame] = n;
      } else {
        next[prev] = n;
      }
      // One pair left: it goes back into the frame, if there is a class for it.
      const only = head[frame] as number;
      if (next[only] === NONE) this.unpool(frame, only);
      return true;
    }
    return false;
  }

  /** The frame's one pool pair `e` becomes a class-held pair, when a class can be had. */
  private unpool(frame: number, e: number): void {
    if (this.keys !== null && this.keys.slotOf(frame) === -1) return;
    const pmapId = (this.hi[e] as number) >>> VPN_HI_BITS;
    const vpn = ((this.hi[e] as number) & VPN_HI_MASK) * TWO_32 + (this.lo[e] as number);
    const c = this.classOf(pmapId, this.keys === null ? vpn : vpn - this.keys.pindexOf(frame));
    if (c === 0) return;
    this.cRef[c]++;
    this.dropHead(frame);
    this.own[frame] = c;
    this.next[e] = this.freeList;
    this.freeList = e;
  }

  private setPair(e: number, pmapId: number, vpn: number): void {
    this.hi[e] = (pmapId << VPN_HI_BITS) | (vpn < TWO_32 ? 0 : (vpn / TWO_32) >>> 0);
    this.lo[e] = vpn >>> 0;
  }

  /** Make `e` the first pool entry of `frame`, whose own becomes POOL. */
  private setHead(frame: number, e: number): void {
    if (this.own[frame] !== POOL) {
      this.own[frame] = POOL;
      if (this.poolFrames++ === 0) this.head = new Int32Array(this.own.length);
    }
    (this.head as Int32Array)[frame] = e;
  }

  /** `frame` leaves the pool (the caller sets its own). */
  private dropHead(frame: number): void {
    if (--this.poolFrames === 0) this.head = null;
    else (this.head as Int32Array)[frame] = 0;
  }

  /** The class (pmapId, base), made if need be; 0 when every class id is taken. */
  private classOf(pmapId: number, base: number): number {
    const l = this.#last;
    if (this.cBase[l] === base && this.cPmap[l] === pmapId && (this.cRef[l] as number) > 0) return l;
    const q = this.#prev;
    if (this.cBase[q] === base && this.cPmap[q] === pmapId && (this.cRef[q] as number) > 0) {
      this.#prev = l;
      this.#last = q;
      return q;
    }
    const cHash = this.cHash;
    const mask = cHash.length - 1;
    let s = slotOf(pmapId, base, mask);
    for (let c = cHash[s] as number; c !== 0; s = (s + 1) & mask, c = cHash[s] as number) {
      if (this.cBase[c] === base && this.cPmap[c] === pmapId) {
        this.#prev = l;
        this.#last = c;
        return c;
      }
    }
    if (this.classes === this.maxClasses) return 0;
    const c = this.newClassId();
    if (c >= this.cRef.length) {
      this.growClasses();
      this.insertHash(c, pmapId, base);
    } else {
      cHash[s] = c;
    }
    this.cPmap[c] = pmapId;
    this.cBase[c] = base;
    this.classes++;
    this.#prev = l;
    this.#last = c;
    return c;
  }

  /** The lowest free class id (taken now); may be the capacity (the caller grows). */
  private newClassId(): number {
    const used = this.cUsed;
    let w = 0;
    while (w < used.length && used[w] === -1) w++;
    if (w === used.length) {
      const c = w << 5;
      this.cUsed = grown(used, w + 1, 0);
      this.cUsed[w] = 1;
      return c;
    }
    const free = ~(used[w] as number);
    const bit = 31 - Math.clz32(free & -free);
    used[w] = (used[w] as number) | (1 << bit);
    return (w << 5) | bit;
  }

  private insertHash(c: number, pmapId: number, base: number): void {
    const cHash = this.cHash;
    const mask = cHash.length - 1;
    let s = slotOf(pmapId, base, mask);
    while (cHash[s] !== 0) s = (s + 1) & mask;
    cHash[s] = c;
  }

  /** Double the class arrays (to at most maxClasses + 1 ids) and rehash. */
  private growClasses(): void {
    const cap = Math.min(this.cRef.length * 2, this.maxClasses + 1);
    this.cPmap = grown(this.cPmap, cap, 0);
    this.cBase = grown(this.cBase, cap, 0);
    this.cRef = grown(this.cRef, cap, 0);
    this.cUsed = grown(this.cUsed, (cap + 31) >>> 5, 0);
    this.cHash = new Uint16Array(hashSize(cap));
    for (let c = 1; c < cap; c++) if ((this.cRef[c] as number) > 0) this.insertHash(c, this.cPmap[c] as number, this.cBase[c] as number);
  }

  /** Class `c` is held by no frame: its id is free and its hash slot empty (backward-shift deletion). */
  private freeClass(c: number): void {
    const cHash = this.cHash;
    const mask = cHash.length - 1;
    let i = slotOf(this.cPmap[c] as number, this.cBase[c] as number, mask);
    while (cHash[i] !== c) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; cHash[j] !== 0; j = (j + 1) & mask) {
      const d = cHash[j] as number;
      const k = slotOf(this.cPmap[d] as number, this.cBase[d] as number, mask);
      // d may move back to i when its home slot is not in (i, j] (cyclically).
      if (i <= j ? k <= i || k > j : k <= i && k > j) {
        cHash[i] = d;
        i = j;
      }
    }
    cHash[i] = 0;
    this.cPmap[c] = 0;
    this.cBase[c] = 0;
    this.cUsed[c >>> 5] = (this.cUsed[c >>> 5] as number) & ~(1 << (c & 31));
    this.classes--;
  }

  private alloc(): number {
    const e = this.freeList;
    if (e === NONE) return this.grow();
    this.freeList = this.next[e] as number;
    return e;
  }

  private grow(): number {
    if (this.top === this.lo.length) {
      const cap = this.lo.length * 2;
      const l = new Uint32Array(cap);
      l.set(this.lo);
      const h = new Int32Array(cap);
      h.set(this.hi);
      const x = new Int32Array(cap);
      x.set(this.next);
      this.lo = l;
      this.hi = h;
      this.next = x;
    }
    return this.top++;
  }
}

/** Hash slots for `cap` class ids: a power of two, at least twice as many. */
function hashSize(cap: number): number {
  let n = 4;
  while (n < cap * 2) n *= 2;
  return n;
}
