import type { MemqOwner } from '../mem/PhysMem.ts';
import type { Pager } from '../pager/Pager.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';

/** Object flags (FreeBSD vm_object.h). */
export const OBJ_ONEMAPPING = 1;
export const OBJ_SPLIT = 2;
export const OBJ_DEAD = 4;
/** A collapse is moving the backing object's pages into this object (vm_object_collapse). */
export const OBJ_COLLAPSING = 8;

export type ObjectType = 'anon' | 'vnode' | 'dead';

/**
 * A VM object (FreeBSD struct vm_object): a pager-backed sequence of pages, possibly a
 * shadow of a backing object at a page offset. Resident pages are not held here: the
 * machine's ResidentIndex maps (id, pindex) to frames, and `memq`/`resident` thread the
 * object's frames through PhysMem.
 */
export class VmObject implements MemqOwner {
  /** Head frame of the resident list, -1 when none (MemqOwner). */
  memq = -1;
  /** Resident page count (MemqOwner). */
  resident = 0;
  refCount = 1;
  flags = 0;
  backing: VmObject | null = null;
  /** Page offset of this object within its backing object. */
  backingOffset = 0;
  /** Objects whose backing object this is (FreeBSD's shadow list), in creation order. */
  readonly shadows = new Set<VmObject>();
  /** Pager-private state (swap metadata). */
  pagerData: unknown = undefined;
  /**
   * Index ranges a split has moved out of this object ([start, end) pairs, flat), and the
   * progress of a split under way: indices below `splitDone` in [splitStart, splitEnd) are
   * gone for good (the `object_repopulated` invariant reads these).
   */
  readonly movedRanges: number[] = [];
  splitStart = 0;
  splitDone = 0;
  /** The object each range of `movedRanges` went to (one per pair), and the split under way's. */
  readonly splitTargets: VmObject[] = [];
  splitInto: VmObject | null = null;
  /** Pages in flight (paging in progress): collapse waits for zero. */
  pip = 0;
  /** vm_object_busy holds (the fault's fast path): no new page of the object may be busied meanwhile. */
  busy = 0;
  /** References kernel paths hold across a sleep (a fault in its pager), counted in refCount. */
  heldRefs = 0;

  constructor(
    readonly id: number,
    public type: ObjectType,
    /** Size in pages. */
    public size: number,
    public pager: Pager,
    readonly file: VnodeFile | null = null,
  ) {}

  get isAnon(): boolean {
    return this.type === 'anon';
  }

  get oneMapping(): boolean {
    return (this.flags & OBJ_ONEMAPPING) !== 0;
  }
}
