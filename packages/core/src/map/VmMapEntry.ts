import type { SleepLock } from '../sched/KGen.ts';
import type { Inherit } from '../abi/constants.ts';
import type { ChangeOwner } from '../invariants/ChangeLog.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';

/** Entry flags (FreeBSD MAP_ENTRY_*). */
export const MAP_ENTRY_COW = 1;
export const MAP_ENTRY_NEEDS_COPY = 2;
export const MAP_ENTRY_USER_WIRED = 4;
/**
 * The entry may not be unmapped, replaced or reprotected (OpenBSD UVM_ET_IMMUTABLE from
 * mimmutable(2); Linux VM_SEALED from mseal(2)). Kept across clip and fork.
 */
export const MAP_ENTRY_IMMUTABLE = 8;
/** Pages are wired as they fault in (Linux VM_LOCKONFAULT: mlock2(MLOCK_ONFAULT), MCL_ONFAULT). */
export const MAP_ENTRY_LOCK_ONFAULT = 16;

/**
 * A map entry (FreeBSD struct vm_map_entry): [start, end) of a map backed by `object` at
 * page `offset`. `mdFlags` are arch-specific bits that live on the entry (Linux keeps
 * protection keys and PROT_BTI there); core copies them on clip and fork and never reads them.
 */
export class VmMapEntry {
  private _eflags = 0;
  wiredCount = 0;
  /** Replaced by revocation (revoke.mode replace_entry). */
  revoked = false;
  /** The file this entry maps, if any (revocation walks these). */
  file: VnodeFile | null = null;
  /**
   * Linux's per-VMA lock (vm_lock, under `fault.lock: vma_lock*`): faults hold it shared,
   * fork's dup_mmap write-locks it. Made on first use; a clipped or cloned entry starts
   * without one.
   */
  vmaLock: SleepLock | null = null;
  /** Freed by Linux exit_mmap's remove_vma while a stale area list still reaches it (`exit.mmap: locked_stale`). */
  freed = false;
  /**
   * The map that linked this entry (VmMap.link), told of every change
   * of the fields the invariants read (docs/invariants.md "Incremental checking").
   */
  map: ChangeOwner | null = null;

  private _object: VmObject | null = null;
  private _offset = 0;
  private _shared = false;
  private _mdFlags = 0;
  private _start: number;
  private _end: number;
  private _prot: number;
  /**
   * The next and previous entries of the map in address order (vm_map_entry_succ/pred), null
   * at either end and while the entry is in no map. Set by VmMap only.
   */
  next: VmMapEntry | null = null;
  prev: VmMapEntry | null = null;
  /** The map's search tree (VmMap's treap): the children and the entries in this subtree. Set by VmMap only. */
  left: VmMapEntry | null = null;
  right: VmMapEntry | null = null;
  subtree = 1;

  constructor(
    start: number,
    end: number,
    prot: number,
    public maxprot: number,
    public inherit: Inherit,
  ) {
    this._start = start;
    this._end = end;
    this._prot = prot;
  }

  get start(): number {
    return this._start;
  }
  set start(v: number) {
    this._start = v;
    this.map?.noteChange();
  }
  get end(): number {
    return this._end;
  }
  set end(v: number) {
    this._end = v;
    this.map?.noteChange();
  }
  get prot(): number {
    return this._prot;
  }
  set prot(v: number) {
    this._prot = v;
    this.map?.noteChange();
  }
  get object(): VmObject | null {
    return this._object;
  }
  set object(v: VmObject | null) {
    this._object = v;
    this.map?.noteChange();
  }
  /** Offset in pages within the object. */
  get offset(): number {
    return this._offset;
  }
  set offset(v: number) {
    this._offset = v;
    this.map?.noteChange();
  }
  get eflags(): number {
    return this._eflags;
  }
  set eflags(v: number) {
    this._eflags = v;
    this.map?.noteChange();
  }
  /** MAP_SHARED as the user asked for it. */
  get shared(): boolean {
    return this._shared;
  }
  set shared(v: boolean) {
    this._shared = v;
    this.map?.noteChange();
  }
  /**
   * Arch-specific bits that live on the entry (Linux keeps protection keys and PROT_BTI
   * there); core copies them on clip and fork and never reads them.
   */
  get mdFlags(): number {
    return this._mdFlags;
  }
  set mdFlags(v: number) {
    this._mdFlags = v;
    this.map?.noteChange();
  }

  get pages(): number {
    return (this.end - this.start) / 4096;
  }

  get needsCopy(): boolean {
    return (this.eflags & MAP_ENTRY_NEEDS_COPY) !== 0;
  }

  get immutable(): boolean {
    return (this.eflags & MAP_ENTRY_IMMUTABLE) !== 0;
  }

  get wired(): boolean {
    return this.wiredCount > 0;
  }

  /** A copy of this entry over the same range (the object reference is the caller's). */
  clone(): VmMapEntry {
    const e = new VmMapEntry(this.start, this.end, this.prot, this.maxprot, this.inherit);
    e.object = this.object;
    e.offset = this.offset;
    e.eflags = this.eflags;
    e.wiredCount = this.wiredCount;
    e.shared = this.shared;
    e.revoked = this.revoked;
    e.mdFlags = this.mdFlags;
    e.file = this.file;
    return e;
  }
}
