import type { ChangeLog, ContentUnit } from '../invariants/ChangeLog.ts';
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
export class VmObject implements MemqOwner, ContentUnit {
  /** Head frame of the resident list, -1 when none (MemqOwner). */
  memq = -1;
  /** Resident page count (MemqOwner). */
  resident = 0;
  flags = 0;
  /** Objects whose backing object this is (FreeBSD's shadow list), in creation order. */
  readonly shadows = new Set<VmObject>();
  /**
   * Pager-private state (swap metadata). A pager that changes what `haspage` answers for
   * the object calls `noteContent()` (docs/invariants.md "Incremental checking").
   */
  pagerData: unknown = undefined;
  /**
   * Index ranges a split has moved out of this object ([start, end) pairs, flat), and the
   * progress of a split under way: indices below `splitDone` in [splitStart, splitEnd) are
   * gone for good (the `object_repopulated` invariant reads these). Pushed by the split
   * together with a `splitInto` / `splitDone` assignment, which logs the change.
   */
  readonly movedRanges: number[] = [];
  /** The object each range of `movedRanges` went to (one per pair), and the split under way's. */
  readonly splitTargets: VmObject[] = [];
  /** Pages in flight (paging in progress): collapse waits for zero. */
  pip = 0;
  /** vm_object_busy holds (the fault's fast path): no new page of the object may be busied meanwhile. */
  busy = 0;
  /** Where changes are recorded for the incremental invariant checks (VmObjects.allocate sets it). */
  changes: ChangeLog | null = null;
  /** In the change log's lists (ChangeLog). */
  logged = false;
  contentLogged = false;

  // Fields the invariants read, behind setters that log a change (ChangeLog): what a fault
  // resolves through this object (backing, offset, size, pager, split) and its references.
  private _refCount = 1;
  private _heldRefs = 0;
  private _backing: VmObject | null = null;
  private _backingOffset = 0;
  private _splitStart = 0;
  private _splitDone = 0;
  private _splitInto: VmObject | null = null;
  private _type: ObjectType;
  private _size: number;
  private _pager: Pager;

  constructor(
    readonly id: number,
    type: ObjectType,
    /** Size in pages. */
    size: number,
    pager: Pager,
    readonly file: VnodeFile | null = null,
  ) {
    this._type = type;
    this._size = size;
    this._pager = pager;
  }

  /** Records a change of what a fault finds through this object (a pager's `haspage` answers included). */
  noteContent(): void {
    const c = this.changes;
    if (c !== null) {
      c.objectContent(this);
      c.object(this);
    }
  }

  private noteRefs(): void {
    this.changes?.object(this);
  }

  get refCount(): number {
    return this._refCount;
  }
  set refCount(v: number) {
    this._refCount = v;
    this.noteRefs();
  }
  /** References kernel paths hold across a sleep (a fault in its pager), counted in refCount. */
  get heldRefs(): number {
    return this._heldRefs;
  }
  set heldRefs(v: number) {
    this._heldRefs = v;
    this.noteRefs();
  }
  get backing(): VmObject | null {
    return this._backing;
  }
  set backing(v: VmObject | null) {
    this._backing = v;
    this.noteContent();
  }
  /** Page offset of this object within its backing object. */
  get backingOffset(): number {
    return this._backingOffset;
  }
  set backingOffset(v: number) {
    this._backingOffset = v;
    this.noteContent();
  }
  get splitStart(): number {
    return this._splitStart;
  }
  set splitStart(v: number) {
    this._splitStart = v;
    this.noteContent();
  }
  get splitDone(): number {
    return this._splitDone;
  }
  set splitDone(v: number) {
    this._splitDone = v;
    this.noteContent();
  }
  get splitInto(): VmObject | null {
    return this._splitInto;
  }
  set splitInto(v: VmObject | null) {
    this._splitInto = v;
    this.noteContent();
  }
  get type(): ObjectType {
    return this._type;
  }
  set type(v: ObjectType) {
    this._type = v;
    this.noteContent();
  }
  /** Size in pages. */
  get size(): number {
    return this._size;
  }
  set size(v: number) {
    this._size = v;
    this.noteContent();
  }
  get pager(): Pager {
    return this._pager;
  }
  set pager(v: Pager) {
    this._pager = v;
    this.noteContent();
  }

  get isAnon(): boolean {
    return this.type === 'anon';
  }

  get oneMapping(): boolean {
    return (this.flags & OBJ_ONEMAPPING) !== 0;
  }
}
