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

/**
 * Reverse mappings (FreeBSD pv entries): for each frame, the (pmap id,
 * virtual page number) pairs that map it, most-recently-added first. A pair
 * should be added to a frame at most once.
 *
 * A pair is two 32-bit words: the vpn's low 32 bits, and the pmap id shifted
 * left by 4 with the vpn's high 4 bits (so pmap ids stay below PV_MAX_PMAP_ID
 * and vpns below 2^36). A frame with one mapping holds its pair in per-frame
 * arrays (most frames have one, so they need no pool entry); a frame with more
 * keeps them all as a singly linked list in a growable entry pool, its high
 * word then holding -2 - the list's first entry. Entry ids seen through
 * first/nextOf are pool indexes (>= 0), or -2 - frame for a pair held in the
 * frame; -1 ends a list. 8 bytes per frame, 12 per pool entry.
 */
export class PvTable {
  /** Entries currently in use (pairs, wherever held). */
  entries = 0;

  /** Per frame: the pair's vpn low bits; and pmap id << 4 | vpn high bits, -1 for none, or -2 - first pool entry. */
  private ownLo: Uint32Array;
  private ownHi: Int32Array;

  private lo: Uint32Array;
  private hi: Int32Array;
  private next: Int32Array;
  private top = 0;
  private freeList = NONE;

  constructor(npages: number) {
    this.ownLo = new Uint32Array(npages);
    this.ownHi = new Int32Array(npages).fill(NONE);
    this.lo = new Uint32Array(INITIAL_ENTRIES);
    this.hi = new Int32Array(INITIAL_ENTRIES);
    this.next = new Int32Array(INITIAL_ENTRIES);
  }

  /** Make room for frames [0, frames) (PhysMem grows its tables with its frames). */
  growFrames(frames: number): void {
    this.ownLo = grown(this.ownLo, frames, 0);
    this.ownHi = grown(this.ownHi, frames, NONE);
  }

  /** Record that `pmapId` maps `frame` at virtual page `vpn`. */
  add(frame: number, pmapId: number, vpn: number): void {
    if (!(pmapId >= 0 && pmapId < PV_MAX_PMAP_ID && vpn >= 0 && vpn < MAX_VPN && Number.isInteger(vpn + pmapId))) {
      throw new RangeError(`PvTable.add: pmap ${pmapId} / virtual page ${vpn} out of range (pmap ids below ${PV_MAX_PMAP_ID}, pages below 2^36)`);
    }
    const h = (pmapId << VPN_HI_BITS) | (vpn < TWO_32 ? 0 : (vpn / TWO_32) >>> 0);
    const l = vpn >>> 0;
    const oh = this.ownHi[frame];
    this.entries++;
    if (oh === NONE) {
      this.ownLo[frame] = l;
      this.ownHi[frame] = h;
      return;
    }
    let rest: number;
    if (oh >= 0) {
      // A second mapping: the frame's pair moves to the pool.
      rest = this.alloc();
      this.lo[rest] = this.ownLo[frame];
      this.hi[rest] = oh;
      this.next[rest] = NONE;
    } else {
      rest = -2 - oh;
    }
    const e = this.alloc();
    this.lo[e] = l;
    this.hi[e] = h;
    this.next[e] = rest;
    this.ownHi[frame] = -2 - e;
  }

  /** Forget the mapping of `frame` by (`pmapId`, `vpn`); false if there was none. */
  remove(frame: number, pmapId: number, vpn: number): boolean {
    if (!(pmapId >= 0 && pmapId < PV_MAX_PMAP_ID && vpn >= 0 && vpn < MAX_VPN)) return false;
    const h = (pmapId << VPN_HI_BITS) | (vpn < TWO_32 ? 0 : (vpn / TWO_32) >>> 0);
    const l = vpn >>> 0;
    const oh = this.ownHi[frame];
    if (oh >= 0) {
      if (oh !== h || this.ownLo[frame] !== l) return false;
      this.ownHi[frame] = NONE;
      this.entries--;
      return true;
    }
    if (oh === NONE) return false;
    const next = this.next;
    const first = -2 - oh;
    let prev = NONE;
    for (let e = first; e !== NONE; prev = e, e = next[e]) {
      if (this.hi[e] !== h || this.lo[e] !== l) continue;
      const n = next[e];
      next[e] = this.freeList;
      this.freeList = e;
      this.entries--;
      // One pair left: it goes back into the frame.
      const only = prev === NONE ? (next[n] === NONE ? n : NONE) : prev === first && n === NONE ? first : NONE;
      if (only !== NONE) {
        this.ownLo[frame] = this.lo[only];
        this.ownHi[frame] = this.hi[only];
        next[only] = this.freeList;
        this.freeList = only;
      } else if (prev === NONE) {
        this.ownHi[frame] = -2 - n;
      } else {
        next[prev] = n;
      }
      return true;
    }
    return false;
  }

  /** Number of mappings of `frame`. */
  count(frame: number): number {
    const oh = this.ownHi[frame];
    if (oh >= 0) return 1;
    let n = 0;
    if (oh !== NONE) for (let e = -2 - oh; e !== NONE; e = this.next[e]) n++;
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
      const n = this.next[e];
      fn(this.pmapOf(e), this.vpnOf(e));
      // Removing the next-to-last pair moves the last one into the frame (if it was still to come).
      if (this.ownHi[frame] >= -1) e = n === NONE ? NONE : this.first(frame);
      else e = n;
    }
  }

  /** First entry of `frame`'s list, -1 if none (for allocation-free iteration with nextOf/pmapOf/vpnOf). */
  first(frame: number): number {
    const oh = this.ownHi[frame];
    return oh >= 0 ? -2 - frame : oh === NONE ? NONE : -2 - oh;
  }

  /** The entry after `i`, -1 at the end. */
  nextOf(i: number): number {
    return i >= 0 ? this.next[i] : NONE;
  }

  /** Pmap id of entry `i`. */
  pmapOf(i: number): number {
    return (i >= 0 ? this.hi[i] : this.ownHi[-2 - i]) >>> VPN_HI_BITS;
  }

  /** Virtual page number of entry `i`. */
  vpnOf(i: number): number {
    if (i >= 0) return (this.hi[i] & VPN_HI_MASK) * TWO_32 + this.lo[i];
    const f = -2 - i;
    return (this.ownHi[f] & VPN_HI_MASK) * TWO_32 + this.ownLo[f];
  }

  /** Drop every mapping of `frame`. */
  clear(frame: number): void {
    const oh = this.ownHi[frame];
    if (oh === NONE) return;
    this.ownHi[frame] = NONE;
    if (oh >= 0) {
      this.entries--;
      return;
    }
    const h = -2 - oh;
    const next = this.next;
    let t = h;
    let n = 1;
    while (next[t] !== NONE) {
      t = next[t];
      n++;
    }
    next[t] = this.freeList;
    this.freeList = h;
    this.entries -= n;
  }

  /** Bytes of typed-array storage held (capacity). */
  bytesUsed(): number {
    return this.ownLo.byteLength + this.ownHi.byteLength + this.lo.byteLength + this.hi.byteLength + this.next.byteLength;
  }

  /** Pool entries in use (pairs of frames with more than one mapping); for tests of the representation. */
  get poolEntries(): number {
    let free = 0;
    for (let e = this.freeList; e !== NONE; e = this.next[e]) free++;
    return this.top - free;
  }

  private alloc(): number {
    const e = this.freeList;
    if (e === NONE) return this.grow();
    this.freeList = this.next[e];
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
