import type { PageKeys } from './PageKeys.ts';
import type { MemqOwner, PhysMem } from './PhysMem.ts';

const EMPTY = -1;

/** The index's errors, built out of line (insert and remove are inlined into the fault's and unmap's loops). */
function notIndexed(frame: number): Error {
  return new Error(`ResidentIndex.remove: frame ${frame} is not indexed`);
}

function notKeyed(frame: number): Error {
  return new Error(`ResidentIndex.insert: frame ${frame} is free`);
}

function alreadyIndexed(objectId: number, pindex: number, frame: number): Error {
  return new Error(`ResidentIndex.insert: (${objectId}, ${pindex}) is already resident in frame ${frame}`);
}

/**
 * Machine-wide index from (object id, pindex) to resident frame (FreeBSD's per-object
 * vm_radix): the slots of PhysMem's key groups (PageKeys). An allocated frame already holds
 * its key's slot, so entering it (`insert`) or taking it out (`remove`) is a store into that
 * slot with no hashing; `lookup` hashes (object id, pindex / 16) to the group. A frame's key
 * must not change while it is in the index (remove it first, then PhysMem.rekey).
 */
export class ResidentIndex {
  /** Number of frames in the index. */
  size = 0;
  private readonly keys: PageKeys;

  constructor(private readonly mem: PhysMem) {
    this.keys = mem.keys;
  }

  /** Groups in use (groups of 16 page indices of an object holding an allocated frame's key). */
  get groups(): number {
    return this.keys.groups;
  }

  /** Slots of the groups' probe table. */
  get capacity(): number {
    return this.keys.capacity;
  }

  /** Bytes of typed-array storage held (probe table, group keys, frame slabs; a frame's slot lives in PhysMem). */
  bytesUsed(): number {
    return this.keys.bytesUsed();
  }

  /** The frame holding page `pindex` of object `objectId`, or -1. */
  lookup(objectId: number, pindex: number): number {
    const slot = this.keys.slotOf(objectId, pindex);
    return slot === EMPTY ? EMPTY : this.keys.frameAt(slot);
  }

  /** Index `frame` under its current (object, pindex); that key must not be present already. */
  insert(frame: number): void {
    this.mem.changes.frame(frame);
    const slot = this.mem.slotOf(frame);
    if (slot === EMPTY) throw notKeyed(frame);
    const f = this.keys.frameAt(slot);
    if (f !== EMPTY) throw alreadyIndexed(this.mem.objectOf(frame), this.mem.pindexOf(frame), f);
    this.keys.setFrame(slot, frame);
    this.size++;
  }

  /**
   * Free every frame on `owner`'s resident list and take each out of the index
   * (PhysMem.freeAll: vm_object_terminate_pages).
   */
  freeAll(owner: MemqOwner): void {
    this.size -= this.mem.freeAll(owner);
  }

  /** Remove `frame` (looked up under its current object/pindex); it must be present. */
  remove(frame: number): void {
    this.mem.changes.frame(frame);
    const slot = this.mem.slotOf(frame);
    if (slot === EMPTY || this.keys.frameAt(slot) !== frame) throw notIndexed(frame);
    this.keys.setFrame(slot, EMPTY);
    this.size--;
  }
}
