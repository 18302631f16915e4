const EMPTY = -1;
const TWO_32 = 4294967296;
/** Pages of an object per group: one 64-byte line of frame numbers. */
export const GROUP_SHIFT = 4;
const GROUP = 1 << GROUP_SHIFT;
const IN_GROUP = GROUP - 1;
/** Groups per slab of frame numbers (16 KiB): slabs never move, so the pool grows without copying or slack. */
const SLAB_SHIFT = 8;
const SLAB_GROUPS = 1 << SLAB_SHIFT;
/** Slots per slab, and the shift from a slot number to its slab. */
const SLAB_SLOTS_SHIFT = SLAB_SHIFT + GROUP_SHIFT;
const SLAB_SLOT_MASK = (1 << SLAB_SLOTS_SHIFT) - 1;
/** Probe-table slots of a fresh table. */
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

function tooManyKeys(objectId: number, pindex: number): Error {
  return new Error(`PageKeys.acquire: more than 255 frames hold keys of object ${objectId} around index ${pindex}`);
}

/**
 * The (object id, page index) keys of allocated frames, and the resident index over them: a
 * packed relative of FreeBSD's per-object radix (sys/vm/vm_radix.c over sys/sys/pctrie.h,
 * whose nodes have 1 << PCTRIE_WIDTH = 16 slots on 64-bit machines, one cache line of
 * pointers).
 *
 * The pages of an object are grouped 16 consecutive indices at a time. A group has a key
 * (object id, pindex / 16), the number of frames whose key falls in it, and 16 slots, each
 * holding the frame resident at that index (-1 where none is) in one 64-byte line. A slot is
 * numbered group * 16 + pindex % 16, so a slot number names a key: a frame's key costs the
 * frame 4 bytes (PhysMem keeps each frame's slot) where an object id and an index cost 8,
 * and a frame's slot in the index is known without hashing. Groups are found by open
 * addressing with linear probing over a table of group numbers, keyed by (object id,
 * pindex / 16). A densely resident object costs about 5.3 bytes a page here (4 of frame
 * number, the group's key and count, the probe slot); a page alone in its group costs the
 * whole group, 77 bytes. Lookups of consecutive pages (a fault, fork or unmap walking an
 * object in order) stay in one line per 16 pages.
 *
 * A group lives while some allocated frame has a key in it (`acquire` to `release`), which
 * includes every frame in the index (`setFrame`): a frame is keyed when it is allocated and
 * indexed when it enters its object, so the key of a page taken out of the index to be
 * renamed or freed is still readable.
 */
export class PageKeys {
  /** Groups in use. */
  groups = 0;
  /**
   * Probe-table slots: a power of two that doubles when a new group would take its load
   * past 3/4, so it is sized by what is allocated, not by physmem.
   */
  capacity = INITIAL_CAPACITY;
  private mask = INITIAL_CAPACITY - 1;
  private table = new Int32Array(INITIAL_CAPACITY).fill(EMPTY);
  /** Per group: owner object id, group number (pindex / 16), keyed frames; count 0 = free (gIndex then links the free list). */
  private gObject = new Int32Array(0);
  private gIndex = new Float64Array(0);
  private gCount = new Uint8Array(0);
  /** Indexed frame numbers, GROUP per group, in slabs of SLAB_GROUPS groups. */
  private readonly slabs: Int32Array[] = [];
  private groupTop = 0;
  private groupFree = EMPTY;

  /** Bytes of typed-array storage held (probe table, group keys, frame slabs). */
  bytesUsed(): number {
    return this.table.byteLength + this.gObject.byteLength + this.gIndex.byteLength + this.gCount.byteLength + this.slabs.length * SLAB_GROUPS * GROUP * 4;
  }

  /** The slot of key (objectId, pindex), or -1 if no frame holds a key in its group. */
  slotOf(objectId: number, pindex: number): number {
    if (!(pindex >= 0)) return EMPTY;
    const group = pindex < TWO_32 ? pindex >>> GROUP_SHIFT : Math.floor(pindex / GROUP);
    const g = this.find(objectId, group);
    return g === EMPTY ? EMPTY : g * GROUP + (pindex - group * GROUP);
  }

  /** The frame indexed at `slot`, or -1. */
  frameAt(slot: number): number {
    return this.slabs[slot >>> SLAB_SLOTS_SHIFT][slot & SLAB_SLOT_MASK];
  }

  /** Index `frame` at `slot` (-1 to empty it). */
  setFrame(slot: number, frame: number): void {
    this.slabs[slot >>> SLAB_SLOTS_SHIFT][slot & SLAB_SLOT_MASK] = frame;
  }

  /** The object id of the key at `slot`. */
  objectAt(slot: number): number {
    return this.gObject[slot >>> GROUP_SHIFT];
  }

  /** The page index of the key at `slot`. */
  pindexAt(slot: number): number {
    return this.gIndex[slot >>> GROUP_SHIFT] * GROUP + (slot & IN_GROUP);
  }

  /** A slot for key (objectId, pindex), counted as held until `release` (pindex an integer). */
  acquire(objectId: number, pindex: number): number {
    const group = pindex >= 0 && pindex < TWO_32 ? pindex >>> GROUP_SHIFT : Math.floor(pindex / GROUP);
    let g = this.find(objectId, group);
    if (g === EMPTY) g = this.addGroup(objectId, group);
    if (++this.gCount[g] === 0) {
      this.gCount[g] = 255;
      throw tooManyKeys(objectId, pindex);
    }
    return g * GROUP + (pindex - group * GROUP);
  }

  /** Let go of a key taken with `acquire`; its group is dropped when no frame holds a key in it. */
  release(slot: number): void {
    const g = slot >>> GROUP_SHIFT;
    if (--this.gCount[g] === 0) this.dropGroup(g);
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
      if ((g & (SLAB_GROUPS - 1)) === 0) this.slabs.push(new Int32Array(SLAB_GROUPS * GROUP).fill(EMPTY));
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
  private dropGroup(g: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = hashGroup(this.gObject[g], this.gIndex[g]) & mask;
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
