import { PageStore } from './PageStore.ts';

/** Page flag bits (PhysMem.flags). */
export const PG_BUSY = 1;
export const PG_DIRTY = 2;
export const PG_REUSABLE = 4;
export const PG_REFERENCED = 8;
export const PG_SWAPINPROG = 16;
/** Set while the frame is on an object's resident list (memqInsert/memqRemove manage it). */
export const PG_TABLED = 32;
/** Bits 64 and 128 are unassigned. */
export const PG_SPARE = 64;

/** Page queues (PhysMem.queue). */
export const PQ_NONE = 0;
export const PQ_ACTIVE = 1;
export const PQ_INACTIVE = 2;
export const PQ_LAUNDRY = 3;
export const PQ_FREE = 4;
export const PQ_COUNT = 5;

/** An owner of a resident-page list: `memq` is the head frame (-1 if empty), `resident` the count. */
export interface MemqOwner {
  memq: number;
  resident: number;
}

/**
 * The physical page frames (FreeBSD's vm_page array) as parallel typed arrays.
 *
 * Each frame is on exactly one page queue (queue[frame]; PQ_NONE counts as
 * none) threaded through private links, and on at most one object's resident
 * list threaded through listNext/listPrev. Free frames form a LIFO stack kept
 * on PQ_FREE.
 */
export class PhysMem {
  readonly npages: number;
  /** Called with a frame about to be reused (the TLB model completes deferred invalidations of it). */
  onAlloc: ((frame: number) => void) | null = null;
  /** Owner object id, -1 when free. */
  readonly object: Int32Array;
  /** Page index within the owner object. */
  readonly pindex: Float64Array;
  /** PG_* bits. */
  readonly flags: Uint8Array;
  readonly wireCount: Uint16Array;
  /** PQ_* queue the frame is on. */
  readonly queue: Uint8Array;
  /** Next / previous frame on the owner object's resident list, -1 at the ends. */
  readonly listNext: Int32Array;
  readonly listPrev: Int32Array;
  /** Page contents, one slot per frame. */
  readonly contents: PageStore;

  private readonly qNext: Int32Array;
  private readonly qPrev: Int32Array;
  private readonly qHead: Int32Array;
  private readonly qTail: Int32Array;
  private readonly qLen: Int32Array;

  constructor(npages: number) {
    if (!(npages >= 0 && npages < 0x7fffffff && Number.isInteger(npages))) {
      throw new RangeError(`PhysMem: bad page count ${npages}`);
    }
    this.npages = npages;
    this.object = new Int32Array(npages).fill(-1);
    this.pindex = new Float64Array(npages);
    this.flags = new Uint8Array(npages);
    this.wireCount = new Uint16Array(npages);
    this.queue = new Uint8Array(npages).fill(PQ_FREE);
    this.listNext = new Int32Array(npages).fill(-1);
    this.listPrev = new Int32Array(npages).fill(-1);
    this.qNext = new Int32Array(npages);
    this.qPrev = new Int32Array(npages);
    this.qHead = new Int32Array(PQ_COUNT).fill(-1);
    this.qTail = new Int32Array(PQ_COUNT).fill(-1);
    this.qLen = new Int32Array(PQ_COUNT);
    this.contents = new PageStore(npages);
    for (let f = 0; f < npages; f++) {
      this.qNext[f] = f + 1 < npages ? f + 1 : -1;
      this.qPrev[f] = f - 1;
    }
    if (npages > 0) {
      this.qHead[PQ_FREE] = 0;
      this.qTail[PQ_FREE] = npages - 1;
    }
    this.qLen[PQ_FREE] = npages;
  }

  /** Number of free frames. */
  get freeCount(): number {
    return this.qLen[PQ_FREE];
  }

  /**
   * Take a free frame for (objectId, pindex): flags and wire count cleared,
   * queue PQ_NONE, contents untouched. Returns -1 when none is free.
   * Frames come off a LIFO stack (frame 0 first on a fresh PhysMem).
   */
  alloc(objectId: number, pindex: number): number {
    const f = this.qHead[PQ_FREE];
    if (f === -1) return -1;
    if (this.onAlloc !== null) this.onAlloc(f);
    this.unlinkQueue(f, PQ_FREE);
    this.queue[f] = PQ_NONE;
    this.object[f] = objectId;
    this.pindex[f] = pindex;
    this.flags[f] = 0;
    this.wireCount[f] = 0;
    this.listNext[f] = -1;
    this.listPrev[f] = -1;
    return f;
  }

  /**
   * Return a frame to the free stack, taking it off its page queue and, when
   * `owner` is given, off that owner's resident list. A frame still on a
   * resident list must be freed with its owner.
   */
  free(frame: number, owner?: MemqOwner): void {
    const q = this.queue[frame];
    if (q === PQ_FREE) throw new Error(`PhysMem.free: frame ${frame} is already free`);
    if (this.flags[frame] & PG_TABLED) {
      if (owner === undefined) throw new Error(`PhysMem.free: frame ${frame} is on a resident list; pass its owner`);
      this.memqRemove(owner, frame);
    }
    if (q !== PQ_NONE) this.unlinkQueue(frame, q);
    this.object[frame] = -1;
    this.pindex[frame] = 0;
    this.flags[frame] = 0;
    this.wireCount[frame] = 0;
    this.queue[frame] = PQ_FREE;
    const h = this.qHead[PQ_FREE];
    this.qPrev[frame] = -1;
    this.qNext[frame] = h;
    if (h === -1) this.qTail[PQ_FREE] = frame;
    else this.qPrev[h] = frame;
    this.qHead[PQ_FREE] = frame;
    this.qLen[PQ_FREE]++;
  }

  /** Append `frame` at the tail (most recent end) of queue `q` (ACTIVE, INACTIVE or LAUNDRY), leaving any queue it was on. */
  enqueue(frame: number, q: number): void {
    if (q < PQ_ACTIVE || q > PQ_LAUNDRY) throw new RangeError(`PhysMem.enqueue: bad queue ${q}`);
    const cur = this.queue[frame];
    if (cur === PQ_FREE) throw new Error(`PhysMem.enqueue: frame ${frame} is free`);
    if (cur !== PQ_NONE) this.unlinkQueue(frame, cur);
    this.linkTail(frame, q);
  }

  /** Take `frame` off its page queue (queue becomes PQ_NONE); no-op if on none. */
  dequeue(frame: number): void {
    const cur = this.queue[frame];
    if (cur === PQ_NONE) return;
    if (cur === PQ_FREE) throw new Error(`PhysMem.dequeue: frame ${frame} is free`);
    this.unlinkQueue(frame, cur);
    this.queue[frame] = PQ_NONE;
  }

  /** Move `frame` to the tail of the queue it is on; no-op if on none. */
  requeue(frame: number): void {
    const cur = this.queue[frame];
    if (cur === PQ_NONE) return;
    if (cur === PQ_FREE) throw new Error(`PhysMem.requeue: frame ${frame} is free`);
    if (this.qTail[cur] === frame) return;
    this.unlinkQueue(frame, cur);
    this.linkTail(frame, cur);
  }

  /** First (least recently queued) frame of queue `q`, -1 if empty. For PQ_FREE: the next frame alloc returns. */
  queueHead(q: number): number {
    return this.qHead[q];
  }

  /** The frame after `frame` on its queue, -1 at the end. */
  queueNext(frame: number): number {
    return this.qNext[frame];
  }

  /** Number of frames on queue `q`. */
  queueLength(q: number): number {
    return this.qLen[q];
  }

  /** Put `frame` at the head of `obj`'s resident list. */
  memqInsert(obj: MemqOwner, frame: number): void {
    if (this.flags[frame] & PG_TABLED) throw new Error(`PhysMem.memqInsert: frame ${frame} is already on a resident list`);
    const h = obj.memq;
    this.listPrev[frame] = -1;
    this.listNext[frame] = h;
    if (h !== -1) this.listPrev[h] = frame;
    obj.memq = frame;
    obj.resident++;
    this.flags[frame] |= PG_TABLED;
  }

  /** Take `frame` off `obj`'s resident list. */
  memqRemove(obj: MemqOwner, frame: number): void {
    if (!(this.flags[frame] & PG_TABLED)) throw new Error(`PhysMem.memqRemove: frame ${frame} is not on a resident list`);
    const p = this.listPrev[frame];
    const n = this.listNext[frame];
    if (p === -1) {
      if (obj.memq !== frame) throw new Error(`PhysMem.memqRemove: frame ${frame} does not head this owner's list`);
      obj.memq = n;
    } else {
      this.listNext[p] = n;
    }
    if (n !== -1) this.listPrev[n] = p;
    this.listNext[frame] = -1;
    this.listPrev[frame] = -1;
    obj.resident--;
    this.flags[frame] &= ~PG_TABLED;
  }

  /** Typed-array bytes of the frame metadata (contents excluded) divided by npages. */
  bytesPerPage(): number {
    if (this.npages === 0) return 0;
    const bytes =
      this.object.byteLength +
      this.pindex.byteLength +
      this.flags.byteLength +
      this.wireCount.byteLength +
      this.queue.byteLength +
      this.listNext.byteLength +
      this.listPrev.byteLength +
      this.qNext.byteLength +
      this.qPrev.byteLength +
      this.qHead.byteLength +
      this.qTail.byteLength +
      this.qLen.byteLength;
    return bytes / this.npages;
  }

  private linkTail(frame: number, q: number): void {
    const t = this.qTail[q];
    this.qNext[frame] = -1;
    this.qPrev[frame] = t;
    if (t === -1) this.qHead[q] = frame;
    else this.qNext[t] = frame;
    this.qTail[q] = frame;
    this.qLen[q]++;
    this.queue[frame] = q;
  }

  private unlinkQueue(frame: number, q: number): void {
    const p = this.qPrev[frame];
    const n = this.qNext[frame];
    if (p === -1) this.qHead[q] = n;
    else this.qNext[p] = n;
    if (n === -1) this.qTail[q] = p;
    else this.qPrev[n] = p;
    this.qLen[q]--;
  }
}
