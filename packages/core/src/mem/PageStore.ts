import { WORDS_PER_PAGE } from '../abi/constants.ts';
import { grown } from './grown.ts';

/** Overrides a slot may hold in list form before it is promoted to a dense block. */
const MAX_LIST = 32;
const BLOCKS_PER_SLAB_SHIFT = 4;
const BLOCKS_PER_SLAB = 1 << BLOCKS_PER_SLAB_SHIFT;
const BLOCK_MASK = BLOCKS_PER_SLAB - 1;
const WORD_SHIFT = 10; // log2(WORDS_PER_PAGE)
const INITIAL_CHUNKS = 64;
// Overrides live in list nodes ("chunks") of CHUNK ints, one 64-byte line each,
// interleaved in one Int32Array: [next, used, word x PER_CHUNK, value x PER_CHUNK].
// A chunk reference is its offset in that array. Every chunk but a list's head
// is full; new overrides go into the head.
const CHUNK = 16;
const PER_CHUNK = 7;
const C_USED = 1;
const C_WORD = 2;
const C_VALUE = C_WORD + PER_CHUNK;

const NONE = -1;
// Per-slot `meta` (Uint16): (count << META_SHIFT) | inline word. count 0 = uniform (every
// word holds `ref`, the fill); 1 = one non-zero word over a zero fill, held inline (its word
// in the low bits, its value in `ref`), so a page with one written word needs no list node;
// 2..MAX_LIST = list form over a zero fill (`ref` is the head chunk); DENSE = a dense block
// (`ref` is the block number). The kernel only ever fills with zero; a slot filled with
// another value goes dense on its first differing write.
const META_SHIFT = 10;
const WORD_MASK = (1 << META_SHIFT) - 1;
const ONE = 1 << META_SHIFT;
const DENSE = 63;

/**
 * Contents of `slots` page slots of WORDS_PER_PAGE unsigned 32-bit words each,
 * stored sparsely: a uniform fill value, or a zero fill with one inline override
 * or a short list of overridden words, or (past 32 overrides, or any override of
 * a non-zero fill) a dense block. Six bytes per slot (ref, meta) plus the pools.
 *
 * Invariant: no override (inline or in a list) is zero, and a slot with exactly
 * one override keeps it inline.
 */
export class PageStore {
  /** Slots with storage (PhysMem grows them with its frames: growFrames). */
  slots: number;
  private ref: Int32Array;
  private meta: Uint16Array;

  private nodes: Int32Array;
  private nodeTop = 0;
  private nodeFree = NONE;

  private readonly slabs: Uint32Array[] = [];
  private blockTop = 0;
  private blockFree = NONE;

  constructor(slots: number) {
    if (!(slots >= 0 && Number.isInteger(slots))) throw new RangeError(`PageStore: bad slot count ${slots}`);
    this.slots = slots;
    this.ref = new Int32Array(slots);
    this.meta = new Uint16Array(slots);
    this.nodes = new Int32Array(INITIAL_CHUNKS * CHUNK);
  }

  /** Make room for slots [0, slots); the new ones read zero. */
  growFrames(slots: number): void {
    if (slots <= this.slots) return;
    this.ref = grown(this.ref, slots, 0);
    this.meta = grown(this.meta, slots, 0);
    this.slots = slots;
  }

  /** Make every word of `slot` read `value`, dropping all overrides. */
  fill(slot: number, value: number): void {
    this.release(slot);
    this.ref[slot] = value;
  }

  /** Zero the slot (same as `fill(slot, 0)`). */
  clear(slot: number): void {
    this.release(slot);
    this.ref[slot] = 0;
  }

  /** The word at index `word` (0..1023) of `slot`. */
  read(slot: number, word: number): number {
    const m = this.meta[slot];
    if (m < ONE) return this.ref[slot] >>> 0;
    const n = m >>> META_SHIFT;
    if (n === 1) return (m & WORD_MASK) === word ? this.ref[slot] >>> 0 : 0;
    const r = this.ref[slot];
    if (n === DENSE) return this.slabs[r >>> BLOCKS_PER_SLAB_SHIFT][((r & BLOCK_MASK) << WORD_SHIFT) | word];
    return this.readList(r, word);
  }

  /** `read` of a slot in list form: the override of `word` in the chunks from `r`, else 0. */
  private readList(r: number, word: number): number {
    const nodes = this.nodes;
    let c = r;
    do {
      const end = c + C_WORD + nodes[c + C_USED];
      for (let i = c + C_WORD; i < end; i++) {
        if (nodes[i] === word) return nodes[i + PER_CHUNK] >>> 0;
      }
      c = nodes[c];
    } while (c !== NONE);
    return 0;
  }

  /** Store `value` (taken as unsigned 32-bit) at index `word` of `slot`. */
  write(slot: number, word: number, value: number): void {
    const v = value >>> 0;
    const m = this.meta[slot];
    const n = m >>> META_SHIFT;
    // The common cases stay small enough to inline into a user access: a dense block, and
    // a page whose one override is the word written (a non-zero value).
    if (n === DENSE) {
      const b = this.ref[slot];
      this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT][((b & BLOCK_MASK) << WORD_SHIFT) | word] = v;
      return;
    }
    if (n === 1 && (m & WORD_MASK) === word && v !== 0) {
      this.ref[slot] = v;
      return;
    }
    this.writeSlow(slot, word, v, m, n);
  }

  /** `write`'s other cases (a uniform page, a list of overrides, a new or dropped override). */
  private writeSlow(slot: number, word: number, v: number, m: number, n: number): void {
    if (n === 0) {
      const fill = this.ref[slot] >>> 0;
      if (v === fill) return;
      if (fill === 0) {
        this.meta[slot] = ONE | word;
        this.ref[slot] = v;
        return;
      }
      const b = this.allocBlock();
      const s = this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT];
      const off = (b & BLOCK_MASK) << WORD_SHIFT;
      s.fill(fill, off, off + WORDS_PER_PAGE);
      s[off | word] = v;
      this.ref[slot] = b;
      this.meta[slot] = DENSE << META_SHIFT;
      return;
    }
    if (n === 1) {
      if ((m & WORD_MASK) === word) {
        if (v !== 0) this.ref[slot] = v;
        else {
          this.meta[slot] = 0;
          this.ref[slot] = 0;
        }
        return;
      }
      if (v === 0) return;
      // A second override: both move to a list node.
      const c = this.allocChunk();
      const nodes = this.nodes;
      nodes[c] = NONE;
      nodes[c + C_USED] = 2;
      nodes[c + C_WORD] = m & WORD_MASK;
      nodes[c + C_VALUE] = this.ref[slot];
      nodes[c + C_WORD + 1] = word;
      nodes[c + C_VALUE + 1] = v;
      this.ref[slot] = c;
      this.meta[slot] = 2 << META_SHIFT;
      return;
    }
    const r = this.ref[slot];
    const nodes = this.nodes;
    let c = r;
    do {
      const end = c + C_WORD + nodes[c + C_USED];
      for (let i = c + C_WORD; i < end; i++) {
        if (nodes[i] !== word) continue;
        if (v !== 0) nodes[i + PER_CHUNK] = v;
        else this.dropEntry(slot, r, i);
        return;
      }
      c = nodes[c];
    } while (c !== NONE);
    if (v === 0) return;
    if (n >= MAX_LIST) {
      this.promote(slot);
      const b = this.ref[slot];
      this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT][((b & BLOCK_MASK) << WORD_SHIFT) | word] = v;
      return;
    }
    this.addEntry(slot, word, v);
    this.meta[slot] = m + ONE;
  }

  /** Give slot `dst` exactly the contents of `srcSlot` in `src` (which may be this store). */
  copyFrom(dst: number, src: PageStore, srcSlot: number): void {
    if (src === this && dst === srcSlot) return;
    this.release(dst);
    const m = src.meta[srcSlot];
    const n = m >>> META_SHIFT;
    const r = src.ref[srcSlot];
    if (n <= 1) {
      this.ref[dst] = r;
      this.meta[dst] = m;
      return;
    }
    if (n === DENSE) {
      const db = this.allocBlock();
      const so = (r & BLOCK_MASK) << WORD_SHIFT;
      // Slabs never move, so reading src's slab after our allocation is safe even if src === this.
      this.slabs[db >>> BLOCKS_PER_SLAB_SHIFT].set(src.slabs[r >>> BLOCKS_PER_SLAB_SHIFT].subarray(so, so + WORDS_PER_PAGE), (db & BLOCK_MASK) << WORD_SHIFT);
      this.ref[dst] = db;
      this.meta[dst] = m;
      return;
    }
    // Copy chunk by chunk, keeping order (so only the head stays partial).
    let prev = NONE;
    for (let c = r; c !== NONE; ) {
      const k = this.allocChunk(); // may grow this store's pool (src may be this): re-read below
      const to = this.nodes;
      const from = src.nodes;
      to.set(from.subarray(c, c + CHUNK), k);
      to[k] = NONE;
      if (prev === NONE) this.ref[dst] = k;
      else to[prev] = k;
      prev = k;
      c = from[c];
    }
    this.meta[dst] = m;
  }

  /** Whether `slot` holds the same words as `otherSlot` of `other`. */
  equals(slot: number, other: PageStore, otherSlot: number): boolean {
    if (other === this && slot === otherSlot) return true;
    const na = this.meta[slot] >>> META_SHIFT;
    const nb = other.meta[otherSlot] >>> META_SHIFT;
    if (na === DENSE && nb === DENSE) {
      const ao = this.ref[slot];
      const a = this.slabs[ao >>> BLOCKS_PER_SLAB_SHIFT];
      const aOff = (ao & BLOCK_MASK) << WORD_SHIFT;
      const bo = other.ref[otherSlot];
      const b = other.slabs[bo >>> BLOCKS_PER_SLAB_SHIFT];
      const bOff = (bo & BLOCK_MASK) << WORD_SHIFT;
      for (let i = 0; i < WORDS_PER_PAGE; i++) if (a[aOff + i] !== b[bOff + i]) return false;
      return true;
    }
    if (na === DENSE) return other.sparseEqualsBlock(otherSlot, this, this.ref[slot]);
    if (nb === DENSE) return this.sparseEqualsBlock(slot, other, other.ref[otherSlot]);
    // Both sparse: a uniform slot differs from one with 1..32 non-zero words over zero
    // fill, and two with overrides are equal iff they hold the same number of the same words.
    if (na !== nb) return false;
    if (na === 0) return this.ref[slot] === other.ref[otherSlot];
    if (na === 1) {
      const w = this.meta[slot] & WORD_MASK;
      return other.read(otherSlot, w) === this.ref[slot] >>> 0;
    }
    const an = this.nodes;
    for (let c = this.ref[slot]; c !== NONE; c = an[c]) {
      const end = c + C_WORD + an[c + C_USED];
      for (let i = c + C_WORD; i < end; i++) {
        if (other.read(otherSlot, an[i]) !== an[i + PER_CHUNK] >>> 0) return false;
      }
    }
    return true;
  }

  /** The value every word of `slot` holds, or undefined if the words differ. */
  isUniform(slot: number): number | undefined {
    const n = this.meta[slot] >>> META_SHIFT;
    if (n === 0) return this.ref[slot] >>> 0;
    if (n !== DENSE) return undefined; // sparse: overrides are never zero, the fill is
    const b = this.ref[slot];
    const s = this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT];
    const off = (b & BLOCK_MASK) << WORD_SHIFT;
    const v = s[off];
    for (let i = 1; i < WORDS_PER_PAGE; i++) if (s[off + i] !== v) return undefined;
    return v;
  }

  /** Bytes of typed-array storage this store holds (capacity, including free chunks and blocks). */
  bytesUsed(): number {
    let bytes = this.ref.byteLength + this.meta.byteLength + this.nodes.byteLength;
    for (const s of this.slabs) bytes += s.byteLength;
    return bytes;
  }

  /** List chunks in the pool (free ones included); for tests of the representation. */
  get chunkCapacity(): number {
    return this.nodes.length / CHUNK;
  }

  /** Chunks currently holding overrides; for tests of the representation. */
  get chunksInUse(): number {
    let free = 0;
    for (let c = this.nodeFree; c !== NONE; c = this.nodes[c]) free++;
    return this.nodeTop / CHUNK - free;
  }

  /** Sparse (inline or list form) `slot` against dense block `b` of `store`. */
  private sparseEqualsBlock(slot: number, store: PageStore, b: number): boolean {
    const s = store.slabs[b >>> BLOCKS_PER_SLAB_SHIFT];
    const off = (b & BLOCK_MASK) << WORD_SHIFT;
    const m = this.meta[slot];
    const n = m >>> META_SHIFT;
    if (n === 1) {
      if (s[off + (m & WORD_MASK)] !== this.ref[slot] >>> 0) return false;
    } else if (n > 1) {
      const nodes = this.nodes;
      for (let c = this.ref[slot]; c !== NONE; c = nodes[c]) {
        const end = c + C_WORD + nodes[c + C_USED];
        for (let i = c + C_WORD; i < end; i++) {
          if (s[off + nodes[i]] !== nodes[i + PER_CHUNK] >>> 0) return false;
        }
      }
    }
    // Every override differs from the fill, so the block must differ from the fill exactly n times.
    const fill = n === 0 ? this.ref[slot] >>> 0 : 0;
    let diff = 0;
    for (let i = 0; i < WORDS_PER_PAGE; i++) if (s[off + i] !== fill) diff++;
    return diff === n;
  }

  private addEntry(slot: number, word: number, v: number): void {
    let h = this.ref[slot];
    if (this.nodes[h + C_USED] === PER_CHUNK) {
      const c = this.allocChunk();
      this.nodes[c] = h;
      this.nodes[c + C_USED] = 0;
      this.ref[slot] = h = c;
    }
    const nodes = this.nodes;
    const i = h + C_WORD + nodes[h + C_USED]++;
    nodes[i] = word;
    nodes[i + PER_CHUNK] = v;
  }

  /**
   * Remove the list entry at word position `i` by moving the head chunk's last entry into
   * it; a list left with one entry goes back inline.
   */
  private dropEntry(slot: number, head: number, i: number): void {
    const nodes = this.nodes;
    const last = head + C_WORD + --nodes[head + C_USED];
    nodes[i] = nodes[last];
    nodes[i + PER_CHUNK] = nodes[last + PER_CHUNK];
    if (last === head + C_WORD) {
      this.ref[slot] = nodes[head];
      nodes[head] = this.nodeFree;
      this.nodeFree = head;
    }
    const m = this.meta[slot] - ONE;
    if (m >>> META_SHIFT !== 1) {
      this.meta[slot] = m;
      return;
    }
    // One entry left: it is alone in the (only, head) chunk.
    const h = this.ref[slot];
    this.meta[slot] = ONE | nodes[h + C_WORD];
    this.ref[slot] = nodes[h + C_VALUE];
    nodes[h] = this.nodeFree;
    this.nodeFree = h;
  }

  private release(slot: number): void {
    const n = this.meta[slot] >>> META_SHIFT;
    if (n === 0) return;
    this.meta[slot] = 0;
    if (n === 1) return;
    const r = this.ref[slot];
    if (n === DENSE) {
      this.slabs[r >>> BLOCKS_PER_SLAB_SHIFT][(r & BLOCK_MASK) << WORD_SHIFT] = this.blockFree;
      this.blockFree = r;
      return;
    }
    this.freeChain(r);
  }

  private freeChain(head: number): void {
    const nodes = this.nodes;
    let tail = head;
    while (nodes[tail] !== NONE) tail = nodes[tail];
    nodes[tail] = this.nodeFree;
    this.nodeFree = head;
  }

  private promote(slot: number): void {
    const b = this.allocBlock();
    const s = this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT];
    const off = (b & BLOCK_MASK) << WORD_SHIFT;
    s.fill(0, off, off + WORDS_PER_PAGE);
    const head = this.ref[slot];
    const nodes = this.nodes;
    for (let c = head; c !== NONE; c = nodes[c]) {
      const end = c + C_WORD + nodes[c + C_USED];
      for (let i = c + C_WORD; i < end; i++) s[off + nodes[i]] = nodes[i + PER_CHUNK];
    }
    this.freeChain(head);
    this.meta[slot] = DENSE << META_SHIFT;
    this.ref[slot] = b;
  }

  private allocChunk(): number {
    const f = this.nodeFree;
    if (f !== NONE) {
      this.nodeFree = this.nodes[f];
      return f;
    }
    if (this.nodeTop === this.nodes.length) {
      const grown = new Int32Array(this.nodes.length * 2);
      grown.set(this.nodes);
      this.nodes = grown;
    }
    const c = this.nodeTop;
    this.nodeTop = c + CHUNK;
    return c;
  }

  private allocBlock(): number {
    const f = this.blockFree;
    if (f !== NONE) {
      this.blockFree = this.slabs[f >>> BLOCKS_PER_SLAB_SHIFT][(f & BLOCK_MASK) << WORD_SHIFT] | 0;
      return f;
    }
    const b = this.blockTop++;
    if ((b & BLOCK_MASK) === 0) this.slabs.push(new Uint32Array(BLOCKS_PER_SLAB * WORDS_PER_PAGE));
    return b;
  }
}
