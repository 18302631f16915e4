import type { ChangeOwner } from '../invariants/ChangeLog.ts';

const NONE = -1;
const ENTRIES = 512;
const SHIFT = 9;
const IDX = ENTRIES - 1;
/** Virtual pages covered by one entry of a level-3 (second from root) directory. */
const L3_SPAN = 1 << 18;
/** Virtual pages covered by one root entry. */
const L4_SPAN = 1 << 27;
/** One past the largest virtual page number (48-bit VA, 4 KiB pages). */
export const MAX_VPN = 2 ** 36;
/**
 * A new page table holds the root directory and room for one leaf (5 KiB): a fork's child
 * or an exec'd image that touches few pages allocates no more, and the pools double as
 * they fill. (4 directories and 2 leaves, 14 KiB, made a 16-page fork + exit + wait cost
 * about twice as much: bench/run.ts, "fixed cost".)
 */
const INITIAL_DIRS = 1;
const INITIAL_LEAVES = 1;
/** Bytes of the one buffer a new table's arrays share (reset). */
const INITIAL_BYTES = INITIAL_LEAVES * 8 + (INITIAL_DIRS << 9) * 4 + (INITIAL_LEAVES << 9) * 6 + INITIAL_DIRS * 2 + INITIAL_LEAVES * 2;

/** PTE bits are 16 (the generic bits below PTE_MD_SHIFT = 8, the MD pmap's 8 above). */
export const PTE_BITS_MAX = 0xffff;

/**
 * A 4-level radix page table (48-bit VA, 9 bits per level, 512-entry tables)
 * in typed arrays. Directory tables live in one Int32Array pool (table 0 is
 * the root; entries hold child table numbers, -1 if absent; the lowest
 * directory level points at leaf tables). Leaf tables live in the `frame` /
 * `bits` pools: slot = leaf * 512 + (vpn & 511), 4 bytes of frame and 2 of bits (at most
 * PTE_BITS_MAX) a PTE. A slot is valid iff its bits are non-zero; change validity only
 * through set/clear so counts stay right.
 */
export class SoftPageTable {
  /** Page-table pages allocated (directories and leaves, root included). */
  ptPages = 1;
  /** Told of every set, clear and clearAll (the vmspace, for the incremental invariant checks). */
  owner: ChangeOwner | null = null;
  /** Valid leaf slots. */
  validCount = 0;

  private dir!: Int32Array;
  private dirUsed!: Uint16Array;
  private dirTop = 1;
  private dirFree = NONE;
  private leafFrame!: Int32Array;
  private leafBits!: Uint16Array;
  private leafUsed!: Uint16Array;
  private leafTop = 0;
  private leafFree = NONE;
  /** Per leaf: the first vpn it covers, -1 while the leaf is free. */
  private leafBase!: Float64Array;
  /**
   * The last leaf `lookup` walked to (a paging-structure cache, as the MMU's for the upper
   * levels), used only while `leafBase` says it still covers the vpn asked for. A private
   * field: it is not state (explore's snapshots and state hashes see own properties, and
   * a cache that differs between two equal tables must not tell them apart), and after a
   * snapshot is restored under it the `leafBase` check refuses whatever it names.
   */
  #cachedLeaf = 0;

  constructor() {
    this.reset();
  }

  /** Frame per leaf slot (pool; replaced when it grows, so re-read after ensure). */
  get frame(): Int32Array {
    return this.leafFrame;
  }

  /** Entry bits per leaf slot, 0 = invalid (pool; replaced when it grows, so re-read after ensure). */
  get bits(): Uint16Array {
    return this.leafBits;
  }

  /** The leaf slot for virtual page `vpn`, or -1 if no leaf table covers it. */
  lookup(vpn: number): number {
    const low = vpn & IDX;
    const c = this.#cachedLeaf;
    if (this.leafBase[c] === vpn - low) return (c << SHIFT) | low;
    return this.walk(vpn, low);
  }

  /** `lookup` past the cached leaf: the walk down the directories (kept apart so lookup inlines). */
  private walk(vpn: number, low: number): number {
    if (!(vpn >= 0 && vpn < MAX_VPN)) return NONE;
    const hi = (vpn / L3_SPAN) | 0;
    const lo = vpn - hi * L3_SPAN;
    const dir = this.dir;
    let t = dir[hi >>> SHIFT];
    if (t === NONE) return NONE;
    t = dir[(t << SHIFT) | (hi & IDX)];
    if (t === NONE) return NONE;
    t = dir[(t << SHIFT) | (lo >>> SHIFT)];
    if (t === NONE) return NONE;
    this.#cachedLeaf = t;
    return (t << SHIFT) | low;
  }

  /**
   * The first virtual page at or after `vpn` and below `endVpn` that a leaf table with a valid
   * PTE covers, or `endVpn` when none does: the walk skips absent directories and empty leaves
   * a directory at a time, so a range walk (pmap_remove, pmap_protect) looks up only the
   * leaves that exist, whatever the range's size.
   */
  nextLeafVpn(vpn: number, endVpn: number): number {
    const dir = this.dir;
    const leafUsed = this.leafUsed;
    let v = Math.max(0, Math.ceil(vpn));
    const end = Math.min(MAX_VPN, endVpn);
    while (v < end) {
      const hi = (v / L3_SPAN) | 0;
      const t3 = dir[hi >>> SHIFT] as number;
      if (t3 === NONE) {
        v = ((hi >>> SHIFT) + 1) * L4_SPAN;
        continue;
      }
      const t2 = dir[(t3 << SHIFT) | (hi & IDX)] as number;
      if (t2 === NONE) {
        v = (hi + 1) * L3_SPAN;
        continue;
      }
      const leaf = dir[(t2 << SHIFT) | ((v - hi * L3_SPAN) >>> SHIFT)] as number;
      if (leaf === NONE || leafUsed[leaf] === 0) {
        v = v - (v % ENTRIES) + ENTRIES;
        continue;
      }
      return v;
    }
    return end;
  }

  /** The leaf slot for virtual page `vpn`, creating the tables on the way as needed. */
  ensure(vpn: number): number {
    if (!(vpn >= 0 && vpn < MAX_VPN && Number.isInteger(vpn))) {
      throw new RangeError(`SoftPageTable.ensure: bad virtual page number ${vpn}`);
    }
    const hi = (vpn / L3_SPAN) | 0;
    const lo = vpn - hi * L3_SPAN;
    let e = hi >>> SHIFT;
    let t3 = this.dir[e];
    if (t3 === NONE) {
      t3 = this.allocDir();
      this.dir[e] = t3;
      this.dirUsed[0]++;
    }
    e = (t3 << SHIFT) | (hi & IDX);
    let t2 = this.dir[e];
    if (t2 === NONE) {
      t2 = this.allocDir();
      this.dir[e] = t2;
      this.dirUsed[t3]++;
    }
    e = (t2 << SHIFT) | (lo >>> SHIFT);
    let leaf = this.dir[e];
    if (leaf === NONE) {
      leaf = this.allocLeaf();
      this.leafBase[leaf] = vpn - (vpn & IDX);
      this.dir[e] = leaf;
      this.dirUsed[t2]++;
    }
    return (leaf << SHIFT) | (lo & IDX);
  }

  /** Store `frame` and `bits` in leaf slot `slot`; bits 0 makes the slot invalid. */
  set(slot: number, frame: number, bits: number): void {
    if (this.owner !== null) this.owner.noteChange();
    const b = bits >>> 0;
    if (b > PTE_BITS_MAX) throw new RangeError(`SoftPageTable.set: PTE bits 0x${b.toString(16)} do not fit in 16 bits`);
    const old = this.leafBits[slot];
    if (old === 0) {
      if (b !== 0) {
        this.validCount++;
        this.leafUsed[slot >>> SHIFT]++;
      }
    } else if (b === 0) {
      this.validCount--;
      this.leafUsed[slot >>> SHIFT]--;
    }
    this.leafFrame[slot] = b === 0 ? NONE : frame;
    this.leafBits[slot] = b;
  }

  /** Invalidate leaf slot `slot`. */
  clear(slot: number): void {
    if (this.owner !== null) this.owner.noteChange();
    if (this.leafBits[slot] !== 0) {
      this.validCount--;
      this.leafUsed[slot >>> SHIFT]--;
      this.leafBits[slot] = 0;
    }
    this.leafFrame[slot] = NONE;
  }

  /**
   * A caller that cleared `n` valid slots of the leaf holding `slot` itself (bits 0, frame -1,
   * through `bits` and `frame`) and tells the owner once for the run: the counts follow
   * (SoftPmap.remove, once per leaf).
   */
  clearedIn(slot: number, n: number): void {
    this.validCount -= n;
    this.leafUsed[slot >>> SHIFT] -= n;
  }

  /**
   * Call `fn(vpn, slot)` for each valid slot with startVpn <= vpn < endVpn, in
   * ascending vpn order, skipping absent and empty tables. `fn` may set or
   * clear slots but must not call ensure, freeEmptyTables or clearAll.
   */
  forEachValid(startVpn: number, endVpn: number, fn: (vpn: number, slot: number) => void): void {
    const start = Math.max(0, Math.ceil(startVpn));
    const last = Math.min(MAX_VPN, Math.ceil(endVpn)) - 1;
    if (start > last) return;
    const dir = this.dir;
    const bits = this.leafBits;
    const leafUsed = this.leafUsed;
    const i4End = Math.floor(last / L4_SPAN);
    for (let i4 = Math.floor(start / L4_SPAN); i4 <= i4End; i4++) {
      const t3 = dir[i4];
      if (t3 === NONE) continue;
      const base4 = i4 * L4_SPAN;
      const s3 = Math.max(start, base4) - base4;
      const e3 = Math.min(last, base4 + L4_SPAN - 1) - base4;
      const i3End = (e3 / L3_SPAN) | 0;
      for (let i3 = (s3 / L3_SPAN) | 0; i3 <= i3End; i3++) {
        const t2 = dir[(t3 << SHIFT) | i3];
        if (t2 === NONE) continue;
        const base3 = base4 + i3 * L3_SPAN;
        const s2 = Math.max(start, base3) - base3;
        const e2 = Math.min(last, base3 + L3_SPAN - 1) - base3;
        const i2End = e2 >>> SHIFT;
        for (let i2 = s2 >>> SHIFT; i2 <= i2End; i2++) {
          const leaf = dir[(t2 << SHIFT) | i2];
          if (leaf === NONE || leafUsed[leaf] === 0) continue;
          const base2 = base3 + i2 * ENTRIES;
          const s1 = Math.max(start, base2) - base2;
          const e1 = Math.min(last, base2 + IDX) - base2;
          const off = leaf << SHIFT;
          for (let i1 = s1; i1 <= e1; i1++) {
            if (bits[off | i1] !== 0) fn(base2 + i1, off | i1);
          }
        }
      }
    }
  }

  /** Release every table (leaf or directory, never the root) that is empty and overlaps [startVpn, endVpn). */
  freeEmptyTables(startVpn: number, endVpn: number): void {
    const start = Math.max(0, Math.ceil(startVpn));
    const last = Math.min(MAX_VPN, Math.ceil(endVpn)) - 1;
    if (start > last) return;
    const dir = this.dir;
    const i4End = Math.floor(last / L4_SPAN);
    for (let i4 = Math.floor(start / L4_SPAN); i4 <= i4End; i4++) {
      const t3 = dir[i4];
      if (t3 === NONE) continue;
      const base4 = i4 * L4_SPAN;
      const s3 = Math.max(start, base4) - base4;
      const e3 = Math.min(last, base4 + L4_SPAN - 1) - base4;
      const i3End = (e3 / L3_SPAN) | 0;
      for (let i3 = (s3 / L3_SPAN) | 0; i3 <= i3End; i3++) {
        const e = (t3 << SHIFT) | i3;
        const t2 = dir[e];
        if (t2 === NONE) continue;
        const base3 = base4 + i3 * L3_SPAN;
        const s2 = Math.max(start, base3) - base3;
        const e2 = Math.min(last, base3 + L3_SPAN - 1) - base3;
        const i2End = e2 >>> SHIFT;
        for (let i2 = s2 >>> SHIFT; i2 <= i2End; i2++) {
          const e1 = (t2 << SHIFT) | i2;
          const leaf = dir[e1];
          if (leaf === NONE || this.leafUsed[leaf] !== 0) continue;
          dir[e1] = NONE;
          this.dirUsed[t2]--;
          this.releaseLeaf(leaf);
        }
        if (this.dirUsed[t2] === 0) {
          dir[e] = NONE;
          this.dirUsed[t3]--;
          this.releaseDir(t2);
        }
      }
      if (this.dirUsed[t3] === 0) {
        dir[i4] = NONE;
        this.dirUsed[0]--;
        this.releaseDir(t3);
      }
    }
  }

  /** Drop every mapping and table except the root, shrinking the pools back. */
  clearAll(): void {
    if (this.owner !== null) this.owner.noteChange();
    this.reset();
  }

  private reset(): void {
    this.#cachedLeaf = 0;
    if (this.dirUsed !== undefined && this.dirUsed.length === INITIAL_DIRS && this.leafUsed.length === INITIAL_LEAVES) {
      // The pools never grew: empty them where they are (a fork's child that exits at once
      // clears a table the size it was made).
      this.leafBase.fill(NONE);
      this.dir.fill(NONE);
      this.dirUsed.fill(0);
      this.leafFrame.fill(NONE);
      this.leafBits.fill(0);
      this.leafUsed.fill(0);
    } else {
      // A new table's six arrays are views of one buffer: a buffer is a native allocation
      // the collector tracks as external memory, and six of them made a 16-page fork + exit
      // (a new table, then one cleared) cost several microseconds more, most of it in the
      // allocations and the collections they start (bench/run.ts, "fixed cost"). An array
      // that grows moves to a buffer of its own.
      const buf = new ArrayBuffer(INITIAL_BYTES);
      this.leafBase = new Float64Array(buf, 0, INITIAL_LEAVES).fill(NONE);
      let at = INITIAL_LEAVES * 8;
      this.dir = new Int32Array(buf, at, INITIAL_DIRS << SHIFT).fill(NONE);
      at += (INITIAL_DIRS << SHIFT) * 4;
      this.leafFrame = new Int32Array(buf, at, INITIAL_LEAVES << SHIFT).fill(NONE);
      at += (INITIAL_LEAVES << SHIFT) * 4;
      this.leafBits = new Uint16Array(buf, at, INITIAL_LEAVES << SHIFT);
      at += (INITIAL_LEAVES << SHIFT) * 2;
      this.dirUsed = new Uint16Array(buf, at, INITIAL_DIRS);
      at += INITIAL_DIRS * 2;
      this.leafUsed = new Uint16Array(buf, at, INITIAL_LEAVES);
    }
    this.dirTop = 1;
    this.dirFree = NONE;
    this.leafTop = 0;
    this.leafFree = NONE;
    this.ptPages = 1;
    this.validCount = 0;
  }

  private allocDir(): number {
    this.ptPages++;
    let t = this.dirFree;
    if (t !== NONE) {
      this.dirFree = this.dir[t << SHIFT];
      this.dir[t << SHIFT] = NONE;
      return t;
    }
    t = this.dirTop++;
    if (t === this.dirUsed.length) {
      const cap = t * 2;
      const d = new Int32Array(cap << SHIFT).fill(NONE);
      d.set(this.dir);
      const u = new Uint16Array(cap);
      u.set(this.dirUsed);
      this.dir = d;
      this.dirUsed = u;
    }
    return t;
  }

  private releaseDir(t: number): void {
    this.ptPages--;
    // An empty directory is all NONE; its first entry links the free list.
    this.dir[t << SHIFT] = this.dirFree;
    this.dirFree = t;
  }

  private allocLeaf(): number {
    this.ptPages++;
    let t = this.leafFree;
    if (t !== NONE) {
      this.leafFree = this.leafFrame[t << SHIFT];
      this.leafFrame[t << SHIFT] = NONE;
      return t;
    }
    t = this.leafTop++;
    if (t === this.leafUsed.length) {
      // Double (plus 16 leaves): up to half of a large pool may be slack, but reaching n
      // leaves copies about n leaves' worth, where growing by a quarter copied and first
      // touched about 5n (the PhysMem arrays grow the same way).
      const cap = t + t + 16;
      const f = new Int32Array(cap << SHIFT).fill(NONE);
      f.set(this.leafFrame);
      const b = new Uint16Array(cap << SHIFT);
      b.set(this.leafBits);
      const u = new Uint16Array(cap);
      u.set(this.leafUsed);
      const base = new Float64Array(cap).fill(NONE);
      base.set(this.leafBase);
      this.leafBase = base;
      this.leafFrame = f;
      this.leafBits = b;
      this.leafUsed = u;
    }
    return t;
  }

  private releaseLeaf(t: number): void {
    this.ptPages--;
    this.leafBase[t] = NONE;
    // An empty leaf has all bits 0 and every frame NONE; frame[0] links the free list.
    this.leafFrame[t << SHIFT] = this.leafFree;
    this.leafFree = t;
  }
}
