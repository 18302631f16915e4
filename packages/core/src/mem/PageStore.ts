import { WORDS_PER_PAGE } from '../abi/constants.ts';

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

// Per-slot `ref` encoding: -1 = no overrides; >= 0 = head chunk of the override
// list; <= -2 = dense block number (-2 - ref).
const NONE = -1;

/**
 * Contents of `slots` page slots of WORDS_PER_PAGE unsigned 32-bit words each,
 * stored sparsely: a fill value per slot plus either a short list of
 * overridden words or, once a slot has more than 32 overrides, a dense block.
 *
 * Invariant: in list form no override holds the slot's fill value.
 */
export class PageStore {
  readonly slots: number;
  private readonly fillv: Uint32Array;
  private readonly ref: Int32Array;
  private readonly count: Uint8Array;

  private nodes: Int32Array;
  private nodeTop = 0;
  private nodeFree = NONE;

  private readonly slabs: Uint32Array[] = [];
  private blockTop = 0;
  private blockFree = NONE;

  constructor(slots: number) {
    if (!(slots >= 0 && Number.isInteger(slots))) throw new RangeError(`PageStore: bad slot count ${slots}`);
    this.slots = slots;
    this.fillv = new Uint32Array(slots);
    this.ref = new Int32Array(slots).fill(NONE);
    this.count = new Uint8Array(slots);
    this.nodes = new Int32Array(INITIAL_CHUNKS * CHUNK);
  }

  /** Make every word of `slot` read `value`, dropping all overrides. */
  fill(slot: number, value: number): void {
    this.release(slot);
    this.fillv[slot] = value >>> 0;
  }

  /** Zero the slot (same as `fill(slot, 0)`). */
  clear(slot: number): void {
    this.release(slot);
    this.fillv[slot] = 0;
  }

  /** The word at index `word` (0..1023) of `slot`. */
  read(slot: number, word: number): number {
    const r = this.ref[slot];
    if (r === NONE) return this.fillv[slot];
    if (r < NONE) {
      const b = -2 - r;
      return this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT][((b & BLOCK_MASK) << WORD_SHIFT) | word];
    }
    const nodes = this.nodes;
    let c = r;
    do {
      const end = c + C_WORD + nodes[c + C_USED];
      for (let i = c + C_WORD; i < end; i++) {
        if (nodes[i] === word) return nodes[i + PER_CHUNK] >>> 0;
      }
      c = nodes[c];
    } while (c !== NONE);
    return this.fillv[slot];
  }

  /** Store `value` (taken as unsigned 32-bit) at index `word` of `slot`. */
  write(slot: number, word: number, value: number): void {
    const v = value >>> 0;
    const r = this.ref[slot];
    if (r < NONE) {
      const b = -2 - r;
      this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT][((b & BLOCK_MASK) << WORD_SHIFT) | word] = v;
      return;
    }
    const fill = this.fillv[slot];
    if (r !== NONE) {
      const nodes = this.nodes;
      let c = r;
      do {
        const end = c + C_WORD + nodes[c + C_USED];
        for (let i = c + C_WORD; i < end; i++) {
          if (nodes[i] !== word) continue;
          if (v !== fill) nodes[i + PER_CHUNK] = v;
          else this.dropEntry(slot, r, i);
          return;
        }
        c = nodes[c];
      } while (c !== NONE);
    }
    if (v === fill) return;
    if (this.count[slot] >= MAX_LIST) {
      this.promote(slot);
      const b = -2 - this.ref[slot];
      this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT][((b & BLOCK_MASK) << WORD_SHIFT) | word] = v;
      return;
    }
    this.addEntry(slot, word, v);
    this.count[slot]++;
  }

  /** Give slot `dst` exactly the contents of `srcSlot` in `src` (which may be this store). */
  copyFrom(dst: number, src: PageStore, srcSlot: number): void {
    if (src === this && dst === srcSlot) return;
    this.release(dst);
    this.fillv[dst] = src.fillv[srcSlot];
    const r = src.ref[srcSlot];
    if (r === NONE) return;
    if (r < NONE) {
      const sb = -2 - r;
      const db = this.allocBlock();
      const so = (sb & BLOCK_MASK) << WORD_SHIFT;
      // Slabs never move, so reading src's slab after our allocation is safe even if src === this.
      this.slabs[db >>> BLOCKS_PER_SLAB_SHIFT].set(
        src.slabs[sb >>> BLOCKS_PER_SLAB_SHIFT].subarray(so, so + WORDS_PER_PAGE),
        (db & BLOCK_MASK) << WORD_SHIFT,
      );
      this.ref[dst] = -2 - db;
      return;
    }
    // Copy chunk by chunk, keeping order (so only the head stays partial).
    let prev = NONE;
    for (let c = r; c !== NONE; ) {
      const m = this.allocChunk(); // may grow this store's pool (src may be this): re-read below
      const to = this.nodes;
      const from = src.nodes;
      to.set(from.subarray(c, c + CHUNK), m);
      to[m] = NONE;
      if (prev === NONE) this.ref[dst] = m;
      else to[prev] = m;
      prev = m;
      c = from[c];
    }
    this.count[dst] = src.count[srcSlot];
  }

  /** Whether `slot` holds the same words as `otherSlot` of `other`. */
  equals(slot: number, other: PageStore, otherSlot: number): boolean {
    if (other === this && slot === otherSlot) return true;
    const ra = this.ref[slot];
    const rb = other.ref[otherSlot];
    if (ra < NONE && rb < NONE) {
      const ao = -2 - ra;
      const a = this.slabs[ao >>> BLOCKS_PER_SLAB_SHIFT];
      const aOff = (ao & BLOCK_MASK) << WORD_SHIFT;
      const bo = -2 - rb;
      const b = other.slabs[bo >>> BLOCKS_PER_SLAB_SHIFT];
      const bOff = (bo & BLOCK_MASK) << WORD_SHIFT;
      for (let i = 0; i < WORDS_PER_PAGE; i++) if (a[aOff + i] !== b[bOff + i]) return false;
      return true;
    }
    if (ra < NONE) return other.listEqualsBlock(otherSlot, this, -2 - ra);
    if (rb < NONE) return this.listEqualsBlock(slot, other, -2 - rb);
    // Both in list form: fewer than 1024 - 64 words are overridden in either,
    // so differing fills mean differing contents.
    if (this.fillv[slot] !== other.fillv[otherSlot]) return false;
    if (this.count[slot] !== other.count[otherSlot]) return false;
    const an = this.nodes;
    for (let c = ra; c !== NONE; c = an[c]) {
      const end = c + C_WORD + an[c + C_USED];
      for (let i = c + C_WORD; i < end; i++) {
        if (other.read(otherSlot, an[i]) !== an[i + PER_CHUNK] >>> 0) return false;
      }
    }
    return true;
  }

  /** The value every word of `slot` holds, or undefined if the words differ. */
  isUniform(slot: number): number | undefined {
    const r = this.ref[slot];
    if (r === NONE) return this.fillv[slot];
    if (r >= 0) return undefined; // list form: overrides never equal the fill
    const b = -2 - r;
    const s = this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT];
    const off = (b & BLOCK_MASK) << WORD_SHIFT;
    const v = s[off];
    for (let i = 1; i < WORDS_PER_PAGE; i++) if (s[off + i] !== v) return undefined;
    return v;
  }

  /** Bytes of typed-array storage this store holds (capacity, including free chunks and blocks). */
  bytesUsed(): number {
    let bytes = this.fillv.byteLength + this.ref.byteLength + this.count.byteLength + this.nodes.byteLength;
    for (const s of this.slabs) bytes += s.byteLength;
    return bytes;
  }

  /** List-form `slot` against dense block `b` of `store`. */
  private listEqualsBlock(slot: number, store: PageStore, b: number): boolean {
    const s = store.slabs[b >>> BLOCKS_PER_SLAB_SHIFT];
    const off = (b & BLOCK_MASK) << WORD_SHIFT;
    const nodes = this.nodes;
    for (let c = this.ref[slot]; c !== NONE; c = nodes[c]) {
      const end = c + C_WORD + nodes[c + C_USED];
      for (let i = c + C_WORD; i < end; i++) {
        if (s[off + nodes[i]] !== nodes[i + PER_CHUNK] >>> 0) return false;
      }
    }
    // Every override differs from the fill, so the block must differ from the fill exactly count times.
    const fill = this.fillv[slot];
    let diff = 0;
    for (let i = 0; i < WORDS_PER_PAGE; i++) if (s[off + i] !== fill) diff++;
    return diff === this.count[slot];
  }

  private addEntry(slot: number, word: number, v: number): void {
    let h = this.ref[slot];
    if (h === NONE || this.nodes[h + C_USED] === PER_CHUNK) {
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

  /** Remove the entry at word position `i` by moving the head chunk's last entry into it. */
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
    this.count[slot]--;
  }

  private release(slot: number): void {
    const r = this.ref[slot];
    if (r === NONE) return;
    this.ref[slot] = NONE;
    if (r < NONE) {
      const b = -2 - r;
      this.slabs[b >>> BLOCKS_PER_SLAB_SHIFT][(b & BLOCK_MASK) << WORD_SHIFT] = this.blockFree;
      this.blockFree = b;
      return;
    }
    this.count[slot] = 0;
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
    s.fill(this.fillv[slot], off, off + WORDS_PER_PAGE);
    const head = this.ref[slot];
    const nodes = this.nodes;
    for (let c = head; c !== NONE; c = nodes[c]) {
      const end = c + C_WORD + nodes[c + C_USED];
      for (let i = c + C_WORD; i < end; i++) s[off + nodes[i]] = nodes[i + PER_CHUNK];
    }
    this.freeChain(head);
    this.count[slot] = 0;
    this.ref[slot] = -2 - b;
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
