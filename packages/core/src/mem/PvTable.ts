const NONE = -1;
const INITIAL_ENTRIES = 256;

/**
 * Reverse mappings (FreeBSD pv entries): for each frame, the (pmap id,
 * virtual page number) pairs that map it, as singly linked lists in a growable
 * entry pool. Lists are most-recently-added first. A pair should be added to a
 * frame at most once.
 */
export class PvTable {
  /** First entry of each frame's list, -1 if none. */
  readonly head: Int32Array;
  /** Entries currently in use. */
  entries = 0;

  private pmap: Int32Array;
  private vpn: Float64Array;
  private next: Int32Array;
  private top = 0;
  private freeList = NONE;

  constructor(npages: number) {
    this.head = new Int32Array(npages).fill(NONE);
    this.pmap = new Int32Array(INITIAL_ENTRIES);
    this.vpn = new Float64Array(INITIAL_ENTRIES);
    this.next = new Int32Array(INITIAL_ENTRIES);
  }

  /** Record that `pmapId` maps `frame` at virtual page `vpn`. */
  add(frame: number, pmapId: number, vpn: number): void {
    let e = this.freeList;
    if (e !== NONE) this.freeList = this.next[e];
    else e = this.grow();
    this.pmap[e] = pmapId;
    this.vpn[e] = vpn;
    this.next[e] = this.head[frame];
    this.head[frame] = e;
    this.entries++;
  }

  /** Forget the mapping of `frame` by (`pmapId`, `vpn`); false if there was none. */
  remove(frame: number, pmapId: number, vpn: number): boolean {
    const next = this.next;
    let prev = NONE;
    for (let e = this.head[frame]; e !== NONE; prev = e, e = next[e]) {
      if (this.pmap[e] === pmapId && this.vpn[e] === vpn) {
        if (prev === NONE) this.head[frame] = next[e];
        else next[prev] = next[e];
        next[e] = this.freeList;
        this.freeList = e;
        this.entries--;
        return true;
      }
    }
    return false;
  }

  /** Number of mappings of `frame`. */
  count(frame: number): number {
    let n = 0;
    for (let e = this.head[frame]; e !== NONE; e = this.next[e]) n++;
    return n;
  }

  /** Call `fn` for each mapping of `frame`; `fn` may remove the mapping it is given. */
  forEach(frame: number, fn: (pmapId: number, vpn: number) => void): void {
    let e = this.head[frame];
    while (e !== NONE) {
      const n = this.next[e];
      fn(this.pmap[e], this.vpn[e]);
      e = n;
    }
  }

  /** First entry of `frame`'s list, -1 if none (for allocation-free iteration with nextOf/pmapOf/vpnOf). */
  first(frame: number): number {
    return this.head[frame];
  }

  /** The entry after `i`, -1 at the end. */
  nextOf(i: number): number {
    return this.next[i];
  }

  /** Pmap id of entry `i`. */
  pmapOf(i: number): number {
    return this.pmap[i];
  }

  /** Virtual page number of entry `i`. */
  vpnOf(i: number): number {
    return this.vpn[i];
  }

  /** Drop every mapping of `frame`. */
  clear(frame: number): void {
    const h = this.head[frame];
    if (h === NONE) return;
    const next = this.next;
    let t = h;
    let n = 1;
    while (next[t] !== NONE) {
      t = next[t];
      n++;
    }
    next[t] = this.freeList;
    this.freeList = h;
    this.head[frame] = NONE;
    this.entries -= n;
  }

  /** Bytes of typed-array storage held (capacity). */
  bytesUsed(): number {
    return this.head.byteLength + this.pmap.byteLength + this.vpn.byteLength + this.next.byteLength;
  }

  private grow(): number {
    if (this.top === this.pmap.length) {
      const cap = this.pmap.length * 2;
      const p = new Int32Array(cap);
      p.set(this.pmap);
      const v = new Float64Array(cap);
      v.set(this.vpn);
      const x = new Int32Array(cap);
      x.set(this.next);
      this.pmap = p;
      this.vpn = v;
      this.next = x;
    }
    return this.top++;
  }
}
