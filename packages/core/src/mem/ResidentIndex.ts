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
   * Table slots: a power of two, at least 4/3 × npages, so the load stays at most 3/4 (at
   * most 1/2 when npages is just above a power of two, as in the bench). Every extra
   * doubling costs 4 bytes per frame. A table of exactly 4/3 × npages (whole 16-slot lines,
   * home by multiply-shift) measured 15-60% slower inserts and 50-100% slower removals, so
   * it is not used.
   */
  readonly capacity: number;
  private readonly mask: number;
  private readonly table: Int32Array;
  private readonly object: Int32Array;
  private readonly pindex: Float64Array;

  constructor(mem: PhysMem) {
    let cap = 2;
    while (cap * 3 < mem.npages * 4) cap *= 2;
    this.capacity = cap;
    this.mask = cap - 1;
    this.table = new Int32Array(cap).fill(EMPTY);
    this.object = mem.object;
    this.pindex = mem.pindex;
  }

  /** Bytes of typed-array storage held (the table; keys live in PhysMem). */
  bytesUsed(): number {
    return this.table.byteLength;
  }

  /** The frame holding page `pindex` of object `objectId`, or -1. */
  lookup(objectId: number, pindex: number): number {
    const table = this.table;
    const mask = this.mask;
    let i = hashKey(objectId, pindex) & mask;
    for (;;) {
      const f = table[i];
      if (f === EMPTY) return -1;
      if (this.object[f] === objectId && this.pindex[f] === pindex) return f;
      i = (i + 1) & mask;
    }
  }

  /** Index `frame` under its current (object, pindex); that key must not be present already. */
  insert(frame: number): void {
    const objectId = this.object[frame];
    const pindex = this.pindex[frame];
    const table = this.table;
    const mask = this.mask;
    let i = hashKey(objectId, pindex) & mask;
    for (;;) {
      const f = table[i];
      if (f === EMPTY) break;
      if (this.object[f] === objectId && this.pindex[f] === pindex) {
        throw new Error(`ResidentIndex.insert: (${objectId}, ${pindex}) is already resident in frame ${f}`);
      }
      i = (i + 1) & mask;
    }
    if (this.size >= mask) throw new Error('ResidentIndex.insert: table full');
    table[i] = frame;
    this.size++;
  }

  /** Remove `frame` (looked up under its current object/pindex); it must be present. */
  remove(frame: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = hashKey(this.object[frame], this.pindex[frame]) & mask;
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
      const k = hashKey(this.object[f], this.pindex[f]) & mask;
      // f may move to the hole at i unless its home k lies cyclically in (i, j].
      if (i <= j ? i < k && k <= j : i < k || k <= j) continue;
      table[i] = f;
      i = j;
    }
    table[i] = EMPTY;
    this.size--;
  }
}
