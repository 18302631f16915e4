import type { PhysMem } from './PhysMem.ts';

const EMPTY = -1;
const TWO_32 = 4294967296;

/**
 * The home slot of (object, index): groups of 16 consecutive indices of an object share
 * one 16-slot line (64 bytes of the table), placed by a well-mixed hash of (object,
 * index / 16). A fault, fork or unmap walking an object in order stays in one cache line
 * per 16 pages, while groups scatter so linear-probing clusters stay short (keys that all
 * landed in neighbouring slots would form one long cluster that every insertion and
 * backward-shift deletion would scan).
 */
function hashKey(objectId: number, pindex: number): number {
  const lo = pindex >>> 0;
  const hi = pindex < TWO_32 ? 0 : (pindex / TWO_32) >>> 0;
  let h = Math.imul(objectId ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) ^ (lo >>> 4);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h << 4) | (lo & 15);
}

/** Table slots of a fresh index. */
const INITIAL_CAPACITY = 256;

/**
 * Machine-wide hash from (object id, pindex) to resident frame: open
 * addressing with linear probing over frame numbers; a slot's key is read back
 * from PhysMem.object / PhysMem.pindex. A frame's key must not change while it
 * is in the index (remove it first).
 */
export class ResidentIndex {
  /** Number of frames in the index. */
  size = 0;
  /**
   * Table slots: a power of two that doubles when an insertion would take the load past
   * 3/4, so it is sized by the frames resident, not by physmem (the load is between 3/8
   * and 3/4; 1/2 at a power-of-two count of pages, as in the bench). Every extra doubling
   * costs 4 bytes per frame. A table of exactly 4/3 × npages (whole 16-slot lines, home by
   * multiply-shift) measured 15-60% slower inserts and 50-100% slower removals, so it is
   * not used.
   */
  capacity = INITIAL_CAPACITY;
  private mask = INITIAL_CAPACITY - 1;
  private table = new Int32Array(INITIAL_CAPACITY).fill(EMPTY);

  constructor(private readonly mem: PhysMem) {}

  /** Bytes of typed-array storage held (the table; keys live in PhysMem). */
  bytesUsed(): number {
    return this.table.byteLength;
  }

  /** The frame holding page `pindex` of object `objectId`, or -1. */
  lookup(objectId: number, pindex: number): number {
    const table = this.table;
    const mask = this.mask;
    const object = this.mem.object;
    const pindexOf = this.mem.pindex;
    let i = hashKey(objectId, pindex) & mask;
    for (;;) {
      const f = table[i];
      if (f === EMPTY) return -1;
      if (object[f] === objectId && pindexOf[f] === pindex) return f;
      i = (i + 1) & mask;
    }
  }

  /** Index `frame` under its current (object, pindex); that key must not be present already. */
  insert(frame: number): void {
    if ((this.size + 1) * 4 > this.capacity * 3) this.resize(this.capacity * 2);
    const object = this.mem.object;
    const pindexOf = this.mem.pindex;
    const objectId = object[frame];
    const pindex = pindexOf[frame];
    const table = this.table;
    const mask = this.mask;
    let i = hashKey(objectId, pindex) & mask;
    for (;;) {
      const f = table[i];
      if (f === EMPTY) break;
      if (object[f] === objectId && pindexOf[f] === pindex) {
        throw new Error(`ResidentIndex.insert: (${objectId}, ${pindex}) is already resident in frame ${f}`);
      }
      i = (i + 1) & mask;
    }
    table[i] = frame;
    this.size++;
  }

  /** Remove `frame` (looked up under its current object/pindex); it must be present. */
  remove(frame: number): void {
    const table = this.table;
    const mask = this.mask;
    const object = this.mem.object;
    const pindexOf = this.mem.pindex;
    let i = hashKey(object[frame], pindexOf[frame]) & mask;
    for (;;) {
      const f = table[i];
      if (f === frame) break;
      if (f === EMPTY) throw new Error(`ResidentIndex.remove: frame ${frame} is not indexed`);
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: pull later members of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const f = table[j];
      if (f === EMPTY) break;
      const k = hashKey(object[f], pindexOf[f]) & mask;
      // f may move to the hole at i unless its home k lies cyclically in (i, j].
      if (i <= j ? i < k && k <= j : i < k || k <= j) continue;
      table[i] = f;
      i = j;
    }
    table[i] = EMPTY;
    this.size--;
  }

  /** Rebuild the table with `cap` slots (a power of two). */
  private resize(cap: number): void {
    const old = this.table;
    const table = new Int32Array(cap).fill(EMPTY);
    const mask = cap - 1;
    const object = this.mem.object;
    const pindexOf = this.mem.pindex;
    for (let j = 0; j < old.length; j++) {
      const f = old[j];
      if (f === EMPTY) continue;
      let i = hashKey(object[f], pindexOf[f]) & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = f;
    }
    this.table = table;
    this.capacity = cap;
    this.mask = mask;
  }
}
