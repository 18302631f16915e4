import type { PhysMem } from './PhysMem.ts';

const EMPTY = -1;
const TWO_32 = 4294967296;
/** Pages of an object per group: one 64-byte line of frame numbers. */
const GROUP_SHIFT = 4;
const GROUP = 1 << GROUP_SHIFT;
/** Groups per slab of frame numbers (16 KiB): slabs never move, so the pool grows without copying or slack. */
const SLAB_SHIFT = 8;
const SLAB_GROUPS = 1 << SLAB_SHIFT;
const SLAB_MASK = SLAB_GROUPS - 1;
/** Probe-table slots of a fresh index. */
const INITIAL_CAPACITY = 64;

/** The home slot of group `group` of object `objectId`: a well-mixed hash of both. */
function hashGroup(objectId: number, group: number): number {
  const lo = group >>> 0;
  const hi = group < TWO_32 ? 0 : (group / TWO_32) >>> 0;
  let h = Math.imul(objectId ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) ^ lo;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The index's errors, built out of line (insert and remove are inlined into the fault's and unmap's loops). */
function notIndexed(frame: number): Error {
  return new Error(`ResidentIndex.remove: frame ${frame} is not indexed`);
}

function alreadyIndexed(objectId: number, pindex: number, frame: number): Error {
  return new Error(`ResidentIndex.insert: (${objectId}, ${pindex}) is already resident in frame ${frame}`);
}

/**
 * Machine-wide index from (object id, pindex) to resident frame, a packed relative of
 * FreeBSD's per-object radix (sys/vm/vm_radix.c over sys/sys/pctrie.h, whose nodes have
 * 1 << PCTRIE_WIDTH = 16 slots on 64-bit machines, one cache line of pointers): the pages of an object are grouped 16 consecutive indices at a time, and
 * a group holds the 16 frame numbers (-1 where not resident) in one 64-byte line. Groups are
 * found by open addressing with linear probing over a table of group numbers, keyed by
 * (object id, pindex / 16). A densely resident object costs about 5.3 bytes a page (4 of
 * frame number, the group's key and count, the probe slot) where a hash of single frames at
 * load 1/2 costs 8; a page alone in its group costs the whole group, 77 bytes. Lookups of
 * consecutive pages (a fault, fork or unmap walking an object in order) stay in one line
 * per 16 pages. A frame's key (PhysMem.object / pindex) must not change while it is in the
 * index (remove it first).
 */
export class ResidentIndex {
  /** Number of frames in the index. */
  size = 0;
  /** Groups in use. */
  groups = 0;
  /**
   * Probe-table slots: a power of two that doubles when a new group would take its load
   * past 3/4, so it is sized by what is resident, not by physmem.
   */
  capacity = INITIAL_CAPACITY;
  private mask = INITIAL_CAPACITY - 1;
  private table = new Int32Array(INITIAL_CAPACITY).fill(EMPTY);
  /** Per group: owner object id, group number (pindex / 16), frames held; count 0 = free (gIndex then links the free list). */
  private gObject = new Int32Array(0);
  private gIndex = new Float64Array(0);
  private gCount = new Uint8Array(0);
  /** Frame numbers, GROUP per group, in slabs of SLAB_GROUPS groups. */
  private readonly slabs: Int32Array[] = [];
  private groupTop = 0;
  private groupFree = EMPTY;
  /**
   * The group `remove` took a frame from last. A private field, not state (explore's
   * snapshots and state hashes see own properties): it is trusted only while that group
   * still holds the key asked for (a freed group's count is 0), so a snapshot restored under
   * it cannot mislead it. (Only remove uses it: lookups that alternate between two objects,
   * a COW fault's shadow and backing object, would only miss it.)
   */
  #lastRemoved = 0;

  constructor(private readonly mem: PhysMem) {}

  /** Bytes of typed-array storage held (probe table, group keys, frame slabs; keys of frames live in PhysMem). */
  bytesUsed(): number {
    return this.table.byteLength + this.gObject.byteLength + this.gIndex.byteLength + this.gCount.byteLength + this.slabs.length * SLAB_GROUPS * GROUP * 4;
  }

  /** The frame holding page `pindex` of object `objectId`, or -1. */
  lookup(objectId: number, pindex: number): number {
    if (!(pindex >= 0)) return -1;
    const group = pindex < TWO_32 ? pindex >>> GROUP_SHIFT : Math.floor(pindex / GROUP);
    const g = this.find(objectId, group);
    if (g === EMPTY) return -1;
    return this.slabs[g >>> SLAB_SHIFT][((g & SLAB_MASK) << GROUP_SHIFT) | (pindex - group * GROUP)];
  }

  /** Index `frame` under its current (object, pindex); that key must not be present already. */
  insert(frame: number): void {
    this.mem.changes.frame(frame);
    const objectId = this.mem.object[frame];
    const pindex = this.mem.pindexOf(frame);
    const group = pindex < TWO_32 ? pindex >>> GROUP_SHIFT : Math.floor(pindex / GROUP);
    let g = this.find(objectId, group);
    if (g === EMPTY) g = this.addGroup(objectId, group);
    const slab = this.slabs[g >>> SLAB_SHIFT];
    const i = ((g & SLAB_MASK) << GROUP_SHIFT) | (pindex - group * GROUP);
    const f = slab[i];
    if (f !== EMPTY) throw alreadyIndexed(objectId, pindex, f);
    slab[i] = frame;
    this.gCount[g]++;
    this.size++;
  }

  /** Remove `frame` (looked up under its current object/pindex); it must be present. */
  remove(frame: number): void {
    this.mem.changes.frame(frame);
    const objectId = this.mem.object[frame];
    const pindex = this.mem.pindexOf(frame);
    const group = pindex < TWO_32 ? pindex >>> GROUP_SHIFT : Math.floor(pindex / GROUP);
    // The group of the last frame removed first: frames leave in runs (an object's list
    // from its head, an unmap's range), 16 consecutive indices to a group.
    const c = this.#lastRemoved;
    const g = this.gIndex[c] === group && this.gObject[c] === objectId && this.gCount[c] !== 0 ? c : this.find(objectId, group);
    const slab = g === EMPTY ? undefined : this.slabs[g >>> SLAB_SHIFT];
    const i = ((g & SLAB_MASK) << GROUP_SHIFT) | (pindex - group * GROUP);
    if (slab === undefined || slab[i] !== frame) throw notIndexed(frame);
    this.#lastRemoved = g;
    slab[i] = EMPTY;
    this.size--;
    if (--this.gCount[g] === 0) this.dropGroup(g, objectId, group);
  }

  /** The group holding (objectId, group), or -1. */
  private find(objectId: number, group: number): number {
    const table = this.table;
    const mask = this.mask;
    const gObject = this.gObject;
    const gIndex = this.gIndex;
    let i = hashGroup(objectId, group) & mask;
    for (;;) {
      const g = table[i];
      if (g === EMPTY) return EMPTY;
      if (gObject[g] === objectId && gIndex[g] === group) return g;
      i = (i + 1) & mask;
    }
  }

  /** A new empty group for (objectId, group), entered in the probe table. */
  private addGroup(objectId: number, group: number): number {
    if ((this.groups + 1) * 4 > this.capacity * 3) this.resize(this.capacity * 2);
    let g = this.groupFree;
    if (g !== EMPTY) {
      this.groupFree = this.gIndex[g];
    } else {
      g = this.groupTop++;
      if (g === this.gCount.length) {
        const cap = Math.max(SLAB_GROUPS, g * 2);
        const o = new Int32Array(cap);
        o.set(this.gObject);
        const x = new Float64Array(cap);
        x.set(this.gIndex);
        const c = new Uint8Array(cap);
        c.set(this.gCount);
        this.gObject = o;
        this.gIndex = x;
        this.gCount = c;
      }
      if ((g & SLAB_MASK) === 0) this.slabs.push(new Int32Array(SLAB_GROUPS * GROUP).fill(EMPTY));
    }
    this.gObject[g] = objectId;
    this.gIndex[g] = group;
    this.gCount[g] = 0;
    const mask = this.mask;
    let i = hashGroup(objectId, group) & mask;
    while (this.table[i] !== EMPTY) i = (i + 1) & mask;
    this.table[i] = g;
    this.groups++;
    return g;
  }

  /** Take empty group `g` out of the probe table (backward-shift deletion) and onto the free list. */
  private dropGroup(g: number, objectId: number, group: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = hashGroup(objectId, group) & mask;
    while (table[i] !== g) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const h = table[j];
      if (h === EMPTY) break;
      const k = hashGroup(this.gObject[h], this.gIndex[h]) & mask;
      // h may move to the hole at i unless its home k lies cyclically in (i, j].
      if (i <= j ? i < k && k <= j : i < k || k <= j) continue;
      table[i] = h;
      i = j;
    }
    table[i] = EMPTY;
    this.gIndex[g] = this.groupFree;
    this.groupFree = g;
    this.groups--;
  }

  /** Rebuild the probe table with `cap` slots (a power of two). */
  private resize(cap: number): void {
    const old = this.table;
    const table = new Int32Array(cap).fill(EMPTY);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j++) {
      const g = old[j];
      if (g === EMPTY) continue;
      let i = hashGroup(this.gObject[g], this.gIndex[g]) & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = g;
    }
    this.table = table;
    this.capacity = cap;
    this.mask = mask;
  }
}
