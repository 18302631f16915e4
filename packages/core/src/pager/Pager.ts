import type { KGen } from '../sched/KGen.ts';
import type { VmObject } from '../object/VmObject.ts';

/** What a getpages call achieved. */
export enum PagerResult {
  Ok = 0,
  /** The backing store does not have the page (past the end of a file): SIGBUS/BUS_ADRERR. */
  Bad = 1,
  /** I/O failed: SIGBUS/BUS_OBJERR. */
  Error = 2,
}

/**
 * What a pager needs of the fault that calls getpages: the faulting entry's bounds in
 * object indices (clustering is clipped to them) and a way to see whether the map changed.
 */
export interface FaultWindow {
  /** First and last+1 object index the faulting entry covers. */
  readonly entryStart: number;
  readonly entryEnd: number;
  /** The thread that faults (for lock ownership). */
  readonly tid: number;
}

/**
 * A pager: the backing store of a VM object (FreeBSD sys/vm/vm_pager.h pagerops).
 * Optional members are checked by the caller; a missing one means "nothing to do".
 *
 * A pager keeps its per-object state in `obj.pagerData`. While that is undefined, an
 * anonymous object holds nothing in its pager (FreeBSD's OBJT_DEFAULT, before the object
 * first goes to swap), and the fault path does not ask `haspage` or call `pageDirtied`.
 */
export interface Pager {
  /** The pager's name (`default`, `vnode`, `swap`, `revoked`, ...). */
  readonly name: string;

  // --- object lifecycle ----------------------------------------------------------------------
  /** pgo_dealloc: the object is being terminated; free its backing store. */
  dealloc?(obj: VmObject): void;

  // --- page-in and page-out ------------------------------------------------------------------
  /** pgo_haspage: whether the backing store holds the page at pindex. */
  haspage(obj: VmObject, pindex: number): boolean;
  /**
   * pgo_getpages: fills the busy frame (already in obj at pindex) from the backing store.
   * May yield where the real pager sleeps or drops the object lock, and may bring in
   * clustered pages around pindex (clipped to the window).
   */
  getpages(obj: VmObject, pindex: number, frame: number, window: FaultWindow): KGen<PagerResult>;
  /** pgo_putpages: writes the frames' contents to the backing store; false when it cannot. */
  putpages?(obj: VmObject, frames: readonly number[]): boolean;

  // --- bookkeeping -----------------------------------------------------------------------
  /** pgo_pageunswapped: the page at pindex was dirtied; its backing copy is stale. */
  pageDirtied?(obj: VmObject, pindex: number): void;
  /** swap_pager_copy: moves backing store of [start, start+count) in src to dst at dst index - start + dstStart. */
  copy?(src: VmObject, dst: VmObject, start: number, count: number, dstStart: number, keepExisting: boolean): void;
  /** Frees the backing store of [start, end) (object truncation, range removal). */
  freeRange?(obj: VmObject, start: number, end: number): void;
  /** Blocks in use (for `check swap_used`). */
  used?(): number;
  /** The pindexes whose copies the backing store holds for obj, ascending (a viewer's swapped pages). */
  storedPages?(obj: VmObject): number[];
}

/** Token of the pager for anonymous objects (core binds the zero-fill pager; pager-swap rebinds). */
export const AnonPager = Symbol('AnonPager');
/** Token of the vnode pager (file-backed objects). */
export const VnodePagerToken = Symbol('VnodePager');
