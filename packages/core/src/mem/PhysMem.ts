import { ChangeLog } from '../invariants/ChangeLog.ts';
import { grown } from './grown.ts';
import { LinkSpill } from './LinkSpill.ts';
import { PageKeys } from './PageKeys.ts';
import { PageStore } from './PageStore.ts';

/** Page flag bits (PhysMem.flags). */
export const PG_BUSY = 1;
export const PG_DIRTY = 2;
export const PG_REUSABLE = 4;
export const PG_REFERENCED = 8;
/** A swap pager's read-ahead page while its read is in progress (FreeBSD VPO_SWAPINPROG). */
export const PG_SWAPINPROG = 16;
/** Set while the frame is on an object's resident list (memqInsert/memqRemove manage it). */
export const PG_TABLED = 32;
/** Set while the wire count is non-zero (the count itself is in a side table: PhysMem.wireCountOf). */
export const PG_WIRED = 64;
/**
 * UVM's PG_RELEASED (OpenBSD and NetBSD sys/uvm/uvm_page.h): the page was removed while busy
 * for I/O (uvm_anfree under amap_wipeout, an unmap); the removal did not wait. The page is
 * still busy and still in its object; the thread that holds it busy frees it when its I/O
 * is done (uvmfault_anonget: uvm_anon_release, then the fault restarts). Set only under
 * `fault.pager_relock: relock_busy` (policy/FaultPagerRelockPolicy.ts).
 */
export const PG_RELEASED = 128;

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

/** Frames of per-frame storage a PhysMem starts with (or npages, if fewer). */
const INITIAL_FRAMES = 4096;
/** A link byte whose link is in the list's LinkSpill (the frame is more than 127 frames away). */
const ESC = -128;

/** The frame `d[f]` links `f` to (-1 for none): a signed distance, 0 for none, ESC for a link kept in `s`. */
function linkOf(d: Int8Array, s: LinkSpill, f: number): number {
  const x = d[f];
  return x === 0 ? -1 : x !== ESC ? f + x : s.get(f);
}

/** Link `f` to frame `to` (-1 for none) in `d`, or in `s` when it is more than 127 frames away. */
function setLink(d: Int8Array, s: LinkSpill, f: number, to: number): void {
  if (d[f] === ESC) s.delete(f);
  if (to === -1) d[f] = 0;
  else putLink(d, s, f, to);
}

/** setLink for a link known to be clear (0): to a frame, not -1, with no spilled link to drop. */
function putLink(d: Int8Array, s: LinkSpill, f: number, to: number): void {
  const x = to - f;
  if (x >= -127 && x <= 127) d[f] = x;
  else {
    d[f] = ESC;
    s.set(f, to);
  }
}

/** setLink(d, s, f, -1). */
function clearLink(d: Int8Array, s: LinkSpill, f: number): void {
  if (d[f] === ESC) s.delete(f);
  d[f] = 0;
}

/**
 * The errors PhysMem's checks throw, built out of line: a message template costs bytecode
 * at the site, and the hot operations (free, memqRemove, enqueue) must stay small enough
 * for V8 to inline them into their callers' loops.
 */
function frameError(op: string, frame: number, what: string): Error {
  return new Error(`PhysMem.${op}: frame ${frame} ${what}`);
}

function queueError(q: number): RangeError {
  return new RangeError(`PhysMem.enqueue: bad queue ${q}`);
}

/** A table indexed by frame number that PhysMem grows with its frames (PvTable, PageStore, the TLB model). */
export interface FrameTable {
  /** Make room for frames [0, frames); new entries read as unused. */
  growFrames(frames: number): void;
  /** Told after an allocated frame's key changed (`PhysMem.rekey`), with the page index it had. */
  rekey?(frame: number, oldPindex: number): void;
  /** Told before a frame's key is let go (`PhysMem.free`; objectOf / pindexOf still read it). */
  unkeyed?(frame: number): void;
}

/**
 * The physical page frames (FreeBSD's vm_page array) as parallel typed arrays.
 *
 * An allocated frame has a key, (object id, page index), held as its slot in `keys` (the
 * resident index's groups: PageKeys), 4 bytes where the two numbers took 8; read it with
 * objectOf / pindexOf. Each frame is on exactly one page queue (queue[frame]; PQ_NONE counts
 * as none) threaded through private links, and on at most one object's resident list
 * (listNextOf / listPrevOf). Free frames form a LIFO stack kept on PQ_FREE.
 *
 * Each link of those lists is one signed byte, the distance to the linked frame (0 for none),
 * with the links of frames more than 127 apart kept in a LinkSpill per link: 4 bytes a frame
 * for the four links where Int32Arrays took 16. Frames are allocated in runs, so neighbours
 * on a queue or a list are mostly near (a fault walking a mapping takes consecutive frames;
 * an object freed gives them back in list order, and they are taken again in that order);
 * frames shuffled across a large physmem cost more than before (LinkSpill). The orders are
 * exactly those of doubly linked lists, so no frame number changes.
 *
 * The arrays are allocated lazily: frames [top, npages) have never been
 * allocated and are the bottom of the free stack in ascending order (so frame 0
 * comes first on a fresh PhysMem, as if every frame had been pushed), without
 * storage. The arrays (and every FrameTable added with addTable) double when
 * `alloc` first reaches past their capacity, never past npages, so a large physmem
 * costs at most twice what its busiest moment used, not its size (growing by a quarter
 * left less slack but copied and first touched about 5N frames' worth to reach N: the
 * bench's header, "fresh machine"). The array fields are replaced when they grow: read them through the PhysMem each time
 * (mem.flags[f]), never keep one across an allocation.
 */
export class PhysMem {
  readonly npages: number;
  /** Frames with storage in the arrays (a prefix of [0, npages)). */
  capacity: number;
  /** Called with a frame about to be reused (the TLB model completes deferred invalidations of it). */
  onAlloc: ((frame: number) => void) | null = null;
  /** The keys of allocated frames and the resident index's groups (ResidentIndex reads and fills its slots). */
  readonly keys = new PageKeys();
  /** Per frame: its key's slot in `keys`, -1 when free. */
  private key: Int32Array;
  /** PG_* bits. */
  flags: Uint8Array;
  /**
   * Wire counts of the frames with PG_WIRED set (read them with wireCountOf), in an array
   * that exists only while some frame is wired: few are, so the count costs nothing per
   * frame most of the time (it was a Uint16Array for every frame).
   */
  private wires: Uint16Array | null = null;
  /** Frames with PG_WIRED set (`wires` is dropped when none is). */
  private wiredFrames = 0;
  /** PQ_* queue the frame is on. */
  queue: Uint8Array;
  /** Page contents, one slot per frame. */
  readonly contents: PageStore;
  /** What changed since the invariants were last checked (frames here; objects, maps and pmaps record theirs in it too). */
  readonly changes = new ChangeLog();

  /** Next / previous frame on the owner object's resident list (delta-coded links, see the class comment). */
  private lNext: Int8Array;
  private lPrev: Int8Array;
  private readonly lNextSpill = new LinkSpill();
  private readonly lPrevSpill = new LinkSpill();
  /** Next / previous frame on the frame's page queue; the free stack uses qNext only. */
  private qNext: Int8Array;
  private qPrev: Int8Array;
  private readonly qNextSpill = new LinkSpill();
  private readonly qPrevSpill = new LinkSpill();
  private readonly qHead: Int32Array;
  private readonly qTail: Int32Array;
  private readonly qLen: Int32Array;
  /** Frames at and above `top` were never allocated. */
  private top = 0;
  private readonly tables: FrameTable[] = [];
  /** The added tables told of key changes (those with `rekey` or `unkeyed`). */
  private readonly keyTables: FrameTable[] = [];

  constructor(npages: number) {
    if (!(npages >= 0 && npages < 0x7fffffff && Number.isInteger(npages))) {
      throw new RangeError(`PhysMem: bad page count ${npages}`);
    }
    this.npages = npages;
    const cap = Math.min(npages, INITIAL_FRAMES);
    this.capacity = cap;
    this.key = new Int32Array(cap).fill(-1);
    this.flags = new Uint8Array(cap);
    this.queue = new Uint8Array(cap).fill(PQ_FREE);
    this.lNext = new Int8Array(cap);
    this.lPrev = new Int8Array(cap);
    this.qNext = new Int8Array(cap);
    this.qPrev = new Int8Array(cap);
    this.qHead = new Int32Array(PQ_COUNT).fill(-1);
    this.qTail = new Int32Array(PQ_COUNT).fill(-1);
    this.qLen = new Int32Array(PQ_COUNT);
    this.contents = new PageStore(cap);
    this.tables.push(this.contents);
  }

  /**
   * Keep `table` sized for every frame that has storage: it is grown now to the current
   * capacity and with the frame arrays from then on.
   */
  addTable(table: FrameTable): void {
    table.growFrames(this.capacity);
    this.tables.push(table);
    if (table.rekey !== undefined || table.unkeyed !== undefined) this.keyTables.push(table);
  }

  hasTable(table: FrameTable): boolean {
    return this.tables.includes(table);
  }

  /** One past the highest frame ever allocated: frames at or above it are free and untouched. */
  get highWater(): number {
    return this.top;
  }

  /** The id of the object `frame` belongs to, -1 for a free frame. */
  objectOf(frame: number): number {
    const k = this.key[frame];
    return k === -1 ? -1 : this.keys.objectAt(k);
  }

  /** The page index of `frame` within its owner object (0 for a free frame). */
  pindexOf(frame: number): number {
    const k = this.key[frame];
    return k === -1 ? 0 : this.keys.pindexAt(k);
  }

  /** The slot of `frame`'s key in `keys` (ResidentIndex), -1 for a free frame. */
  slotOf(frame: number): number {
    return this.key[frame];
  }

  /**
   * Give allocated `frame` the key (objectId, pindex) (vm_page_rename's new identity); it must
   * not be in the resident index. Tables with a `rekey` are told (the pv table re-codes a
   * mapping it keeps relative to the page index).
   */
  rekey(frame: number, objectId: number, pindex: number): void {
    const k = this.key[frame];
    if (k === -1) throw frameError('rekey', frame, 'is free');
    const old = this.keys.pindexAt(k);
    this.key[frame] = this.keys.acquire(objectId, pindex);
    this.keys.release(k);
    this.changes.frame(frame);
    for (const t of this.keyTables) t.rekey?.(frame, old);
  }

  /** The frame after `frame` on its object's resident list, -1 at the end (or off any list). */
  listNextOf(frame: number): number {
    return linkOf(this.lNext, this.lNextSpill, frame);
  }

  /** The frame before `frame` on its object's resident list, -1 at the head (or off any list). */
  listPrevOf(frame: number): number {
    return linkOf(this.lPrev, this.lPrevSpill, frame);
  }

  /** The wire count of `frame` (0 unless PG_WIRED is set). */
  wireCountOf(frame: number): number {
    return (this.flags[frame] & PG_WIRED) === 0 ? 0 : ((this.wires as Uint16Array)[frame] as number);
  }

  /** Set the wire count of `frame` (modulo 2^16, the width it had as a Uint16Array); PG_WIRED follows it. */
  setWireCount(frame: number, count: number): void {
    const n = count & 0xffff;
    if (n === 0) {
      if (this.flags[frame] & PG_WIRED) {
        this.flags[frame] &= ~PG_WIRED;
        if (--this.wiredFrames === 0) this.wires = null;
        else (this.wires as Uint16Array)[frame] = 0;
      }
      return;
    }
    if ((this.flags[frame] & PG_WIRED) === 0) {
      this.flags[frame] |= PG_WIRED;
      this.wiredFrames++;
    }
    this.wires ??= new Uint16Array(this.capacity);
    this.wires[frame] = n;
  }

  /** Number of free frames. */
  get freeCount(): number {
    return this.qLen[PQ_FREE] + this.npages - this.top;
  }

  /**
   * Take a free frame for (objectId, pindex): flags and wire count cleared,
   * queue PQ_NONE, contents untouched. Returns -1 when none is free.
   * Frames come off a LIFO stack (frame 0 first on a fresh PhysMem).
   */
  alloc(objectId: number, pindex: number): number {
    let f = this.qHead[PQ_FREE];
    if (f !== -1) {
      this.qHead[PQ_FREE] = linkOf(this.qNext, this.qNextSpill, f);
      this.qLen[PQ_FREE]--;
    } else {
      f = this.top;
      if (f === this.npages) return -1;
      if (f === this.capacity) this.grow();
      this.top = f + 1;
    }
    if (this.onAlloc !== null) this.onAlloc(f);
    this.changes.frame(f);
    this.queue[f] = PQ_NONE;
    this.key[f] = this.keys.acquire(objectId, pindex);
    this.flags[f] = 0;
    clearLink(this.qNext, this.qNextSpill, f);
    return f;
  }

  /**
   * Return a frame to the free stack, taking it off its page queue and, when
   * `owner` is given, off that owner's resident list. A frame still on a
   * resident list must be freed with its owner.
   */
  free(frame: number, owner?: MemqOwner): void {
    const q = this.queue[frame];
    if (q === PQ_FREE) throw frameError('free', frame, 'is already free');
    if (this.flags[frame] & PG_TABLED) {
      if (owner === undefined) throw frameError('free', frame, 'is on a resident list; pass its owner');
      this.memqRemove(owner, frame);
    }
    if (q !== PQ_NONE) this.unlinkQueue(frame, q);
    this.changes.frame(frame);
    const k = this.key[frame];
    const kt = this.keyTables;
    for (let i = 0; i < kt.length; i++) kt[i].unkeyed?.(frame);
    this.keys.release(k);
    this.key[frame] = -1;
    if ((this.flags[frame] & PG_WIRED) !== 0) this.setWireCount(frame, 0);
    this.flags[frame] = 0;
    this.queue[frame] = PQ_FREE;
    // The free stack is singly linked (alloc only pops); below its last frame lie the untouched
    // ones. Off any queue, the frame's links are clear.
    const head = this.qHead[PQ_FREE];
    if (head !== -1) putLink(this.qNext, this.qNextSpill, frame, head);
    this.qHead[PQ_FREE] = frame;
    this.qLen[PQ_FREE]++;
  }

  /**
   * vm_object_terminate_pages: every frame on `owner`'s resident list goes back to the free
   * stack, in list order, as `free(frame, owner)` one by one would put it there, and the list
   * is emptied at once (FreeBSD frees the pages and then re-initializes memq and the radix
   * tree, rather than taking each page out of them). Each frame is also taken out of the
   * resident index (its slot in `keys`): every frame on a resident list is indexed. Returns
   * the number freed.
   */
  freeAll(owner: MemqOwner): number {
    let f = owner.memq;
    if (f === -1) return 0;
    this.changes.list(owner);
    const keys = this.keys;
    const kt = this.keyTables;
    let n = 0;
    // The loop repeats the end of `free` inline: shared through a private method, the method was
    // not inlined into this loop and freeAll took 31.8-32.8 ns a frame against 26.5-27.2
    // (pinned, alternated), on munmap's path.
    while (f !== -1) {
      const next = linkOf(this.lNext, this.lNextSpill, f);
      const slot = this.key[f] as number;
      if ((this.flags[f] & PG_TABLED) === 0 || slot === -1 || keys.frameAt(slot) !== f) throw frameError('freeAll', f, 'is on a resident list but not indexed');
      keys.setFrame(slot, -1);
      const q = this.queue[f];
      if (q !== PQ_NONE) this.unlinkQueue(f, q);
      this.changes.frame(f);
      for (let i = 0; i < kt.length; i++) kt[i].unkeyed?.(f);
      keys.release(slot);
      this.key[f] = -1;
      if ((this.flags[f] & PG_WIRED) !== 0) this.setWireCount(f, 0);
      this.flags[f] = 0;
      this.queue[f] = PQ_FREE;
      clearLink(this.lNext, this.lNextSpill, f);
      clearLink(this.lPrev, this.lPrevSpill, f);
      const head = this.qHead[PQ_FREE];
      if (head !== -1) putLink(this.qNext, this.qNextSpill, f, head);
      this.qHead[PQ_FREE] = f;
      n++;
      f = next;
    }
    this.qLen[PQ_FREE] += n;
    owner.memq = -1;
    owner.resident -= n;
    return n;
  }

  /** Append `frame` at the tail (most recent end) of queue `q` (ACTIVE, INACTIVE or LAUNDRY), leaving any queue it was on. */
  enqueue(frame: number, q: number): void {
    if (q < PQ_ACTIVE || q > PQ_LAUNDRY) throw queueError(q);
    const cur = this.queue[frame];
    if (cur === PQ_FREE) throw frameError('enqueue', frame, 'is free');
    if (cur !== PQ_NONE) this.unlinkQueue(frame, cur);
    this.linkTail(frame, q);
  }

  /** Take `frame` off its page queue (queue becomes PQ_NONE); no-op if on none. */
  dequeue(frame: number): void {
    const cur = this.queue[frame];
    if (cur === PQ_NONE) return;
    if (cur === PQ_FREE) throw frameError('dequeue', frame, 'is free');
    this.unlinkQueue(frame, cur);
    this.queue[frame] = PQ_NONE;
  }

  /** Move `frame` to the tail of the queue it is on; no-op if on none. */
  requeue(frame: number): void {
    const cur = this.queue[frame];
    if (cur === PQ_NONE) return;
    if (cur === PQ_FREE) throw frameError('requeue', frame, 'is free');
    if (this.qTail[cur] === frame) return;
    this.unlinkQueue(frame, cur);
    this.linkTail(frame, cur);
  }

  /** First (least recently queued) frame of queue `q`, -1 if empty. For PQ_FREE: the next frame alloc returns. */
  queueHead(q: number): number {
    const h = this.qHead[q];
    if (h === -1 && q === PQ_FREE && this.top < this.npages) return this.top;
    return h;
  }

  /** The frame after `frame` on its queue, -1 at the end. */
  queueNext(frame: number): number {
    if (frame >= this.top) return frame + 1 < this.npages ? frame + 1 : -1;
    const n = linkOf(this.qNext, this.qNextSpill, frame);
    if (n === -1 && this.queue[frame] === PQ_FREE && this.top < this.npages) return this.top;
    return n;
  }

  /** Number of frames on queue `q`. */
  queueLength(q: number): number {
    return q === PQ_FREE ? this.freeCount : this.qLen[q];
  }

  /** Put `frame` at the head of `obj`'s resident list. */
  memqInsert(obj: MemqOwner, frame: number): void {
    if (this.flags[frame] & PG_TABLED) throw frameError('memqInsert', frame, 'is already on a resident list');
    const h = obj.memq;
    this.changes.frame(frame);
    this.changes.list(obj);
    // Off any list, the frame's links are clear; so is the head's link back.
    if (h !== -1) {
      putLink(this.lNext, this.lNextSpill, frame, h);
      putLink(this.lPrev, this.lPrevSpill, h, frame);
    }
    obj.memq = frame;
    obj.resident++;
    this.flags[frame] |= PG_TABLED;
  }

  /** Take `frame` off `obj`'s resident list. */
  memqRemove(obj: MemqOwner, frame: number): void {
    if (!(this.flags[frame] & PG_TABLED)) throw frameError('memqRemove', frame, 'is not on a resident list');
    const p = linkOf(this.lPrev, this.lPrevSpill, frame);
    const n = linkOf(this.lNext, this.lNextSpill, frame);
    this.changes.frame(frame);
    this.changes.list(obj);
    if (p === -1) {
      if (obj.memq !== frame) throw frameError('memqRemove', frame, "does not head this owner's list");
      obj.memq = n;
    } else {
      setLink(this.lNext, this.lNextSpill, p, n);
    }
    // A link that reads none is clear already (0): only a set one needs clearing.
    if (n !== -1) {
      setLink(this.lPrev, this.lPrevSpill, n, p);
      clearLink(this.lNext, this.lNextSpill, frame);
    }
    if (p !== -1) clearLink(this.lPrev, this.lPrevSpill, frame);
    obj.resident--;
    this.flags[frame] &= ~PG_TABLED;
  }

  /** Typed-array bytes of the frame metadata (contents and the key groups excluded) per frame with storage. */
  bytesPerPage(): number {
    return this.capacity === 0 ? 0 : this.bytesUsed() / this.capacity;
  }

  /** Typed-array bytes of the frame metadata (contents and the key groups, which ResidentIndex counts, excluded), at capacity. */
  bytesUsed(): number {
    return (
      this.key.byteLength +
      this.flags.byteLength +
      this.queue.byteLength +
      this.lNext.byteLength +
      this.lPrev.byteLength +
      this.qNext.byteLength +
      this.qPrev.byteLength +
      this.lNextSpill.bytesUsed() +
      this.lPrevSpill.bytesUsed() +
      this.qNextSpill.bytesUsed() +
      this.qPrevSpill.bytesUsed() +
      this.qHead.byteLength +
      this.qTail.byteLength +
      this.qLen.byteLength +
      (this.wires?.byteLength ?? 0)
    );
  }

  /** Grow the frame arrays (and every added table) to twice their capacity (at least INITIAL_FRAMES more), at most to npages. */
  private grow(): void {
    const old = this.capacity;
    const cap = Math.min(this.npages, old + Math.max(INITIAL_FRAMES, old));
    this.key = grown(this.key, cap, -1);
    if (this.wires !== null) this.wires = grown(this.wires, cap, 0);
    this.flags = grown(this.flags, cap, 0);
    this.queue = grown(this.queue, cap, PQ_FREE);
    this.lNext = grown(this.lNext, cap, 0);
    this.lPrev = grown(this.lPrev, cap, 0);
    this.qNext = grown(this.qNext, cap, 0);
    this.qPrev = grown(this.qPrev, cap, 0);
    this.capacity = cap;
    for (const t of this.tables) t.growFrames(cap);
  }

  private linkTail(frame: number, q: number): void {
    // Off any queue, the frame's links are clear; so is the tail's link on.
    const t = this.qTail[q];
    if (t === -1) this.qHead[q] = frame;
    else {
      putLink(this.qNext, this.qNextSpill, t, frame);
      putLink(this.qPrev, this.qPrevSpill, frame, t);
    }
    this.qTail[q] = frame;
    this.qLen[q]++;
    this.queue[frame] = q;
  }

  private unlinkQueue(frame: number, q: number): void {
    const p = linkOf(this.qPrev, this.qPrevSpill, frame);
    const n = linkOf(this.qNext, this.qNextSpill, frame);
    if (p === -1) this.qHead[q] = n;
    else setLink(this.qNext, this.qNextSpill, p, n);
    if (n === -1) this.qTail[q] = p;
    else {
      setLink(this.qPrev, this.qPrevSpill, n, p);
      clearLink(this.qNext, this.qNextSpill, frame);
    }
    if (p !== -1) clearLink(this.qPrev, this.qPrevSpill, frame);
    this.qLen[q]--;
  }
}
