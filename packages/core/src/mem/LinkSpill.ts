const EMPTY = -1;
const INITIAL_SLOTS = 16;
const INITIAL_SHIFT = 28;
/** Fibonacci hashing: the high bits of frame * 2^32 / phi, so strided frames spread too. */
const PHI = 0x9e3779b1;

/**
 * The links of a delta-coded list that do not fit their byte: frame -> linked frame, by open
 * addressing with linear probing (backward-shift deletion, so no tombstones), doubling past
 * a load of 3/4. PhysMem keeps each list link as the signed distance to the linked frame in
 * one byte; a link farther than 127 frames is kept here instead. Frames allocated in runs (a
 * fault walking a mapping, an object freed and its frames taken again in order) link their
 * neighbours, so few links come here; frames shuffled across a large physmem cost about 11
 * bytes a link here, where a plain Int32Array costs 4.
 */
export class LinkSpill {
  /** Links held. */
  size = 0;
  private mask = INITIAL_SLOTS - 1;
  private shift = INITIAL_SHIFT;
  private keys = new Int32Array(INITIAL_SLOTS).fill(EMPTY);
  private vals = new Int32Array(INITIAL_SLOTS);

  /** Bytes of typed-array storage held. */
  bytesUsed(): number {
    return this.keys.byteLength + this.vals.byteLength;
  }

  /** The link held for `frame` (it must be held). */
  get(frame: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = Math.imul(frame, PHI) >>> this.shift;
    for (;;) {
      const k = keys[i];
      if (k === frame) return this.vals[i];
      if (k === EMPTY) return EMPTY;
      i = (i + 1) & mask;
    }
  }

  /** Hold `link` for `frame`, replacing any link held for it. */
  set(frame: number, link: number): void {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
    const keys = this.keys;
    const mask = this.mask;
    let i = Math.imul(frame, PHI) >>> this.shift;
    for (;;) {
      const k = keys[i];
      if (k === frame) break;
      if (k === EMPTY) {
        keys[i] = frame;
        this.size++;
        break;
      }
      i = (i + 1) & mask;
    }
    this.vals[i] = link;
  }

  /** Drop the link held for `frame`, if any. */
  delete(frame: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = Math.imul(frame, PHI) >>> this.shift;
    for (;;) {
      const k = keys[i];
      if (k === EMPTY) return;
      if (k === frame) break;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === EMPTY) break;
      const home = Math.imul(k, PHI) >>> this.shift;
      // k may move to the hole at i unless its home lies cyclically in (i, j].
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      keys[i] = k;
      this.vals[i] = this.vals[j];
      i = j;
    }
    keys[i] = EMPTY;
    this.size--;
    if (this.size === 0 && this.mask + 1 > INITIAL_SLOTS) {
      this.mask = INITIAL_SLOTS - 1;
      this.shift = INITIAL_SHIFT;
      this.keys = new Int32Array(INITIAL_SLOTS).fill(EMPTY);
      this.vals = new Int32Array(INITIAL_SLOTS);
    }
  }

  private resize(slots: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const keys = new Int32Array(slots).fill(EMPTY);
    const vals = new Int32Array(slots);
    const mask = slots - 1;
    const shift = 32 - Math.log2(slots);
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j];
      if (k === EMPTY) continue;
      let i = Math.imul(k, PHI) >>> shift;
      while (keys[i] !== EMPTY) i = (i + 1) & mask;
      keys[i] = k;
      vals[i] = oldVals[j];
    }
    this.keys = keys;
    this.vals = vals;
    this.mask = mask;
    this.shift = shift;
  }
}
