import type { PvTable } from '../mem/PvTable.ts';
import type { Pmap } from './Pmap.ts';

/**
 * The page-level pmap operations the MI layer calls on a physical page, whatever maps it
 * (FreeBSD's pmap_remove_all, pmap_remove_write, pmap_is_modified, pmap_clear_modify,
 * pmap_ts_referenced, which take a vm_page_t, not a pmap). Injected into the MI context
 * (token `PageOpsToken`); MI code never reaches a pmap instance for them.
 */
export const PageOpsToken = Symbol('PageOps');
export interface PageOps {
  /** Whether any translation maps the frame (a non-empty pv list). */
  isMapped(frame: number): boolean;
  /** pmap_remove_all: removes every translation of the frame, in every pmap. */
  removeAll(frame: number): void;
  /** pmap_remove_write: write-protects every translation of the frame. */
  removeWrite(frame: number): void;
  /** pmap_is_modified: whether any translation of the frame has been written through. */
  isModified(frame: number): boolean;
  /** pmap_clear_modify: clears the modified bit of every translation of the frame. */
  clearModify(frame: number): void;
  /** pmap_ts_referenced: counts and clears the referenced bits of the frame's translations. */
  tsReferenced(frame: number): number;
}

/**
 * PageOps over the pv table and the arch's pmap: a frame with no pv entry is skipped without
 * entering the pmap; otherwise the call goes to the pmap, whose page operations walk the
 * frame's pv list across every pmap of the machine (the kernel pmap is the entry point).
 */
export class PmapPageOps implements PageOps {
  constructor(
    private readonly pv: PvTable,
    private readonly pmap: Pmap,
  ) {}

  isMapped(frame: number): boolean {
    return this.pv.first(frame) !== -1;
  }

  removeAll(frame: number): void {
    if (this.pv.first(frame) !== -1) this.pmap.removeAll(frame);
  }

  removeWrite(frame: number): void {
    if (this.pv.first(frame) !== -1) this.pmap.removeWrite(frame);
  }

  isModified(frame: number): boolean {
    return this.pv.first(frame) !== -1 && this.pmap.isModified(frame);
  }

  clearModify(frame: number): void {
    if (this.pv.first(frame) !== -1) this.pmap.clearModify(frame);
  }

  tsReferenced(frame: number): number {
    return this.pv.first(frame) !== -1 ? this.pmap.tsReferenced(frame) : 0;
  }
}
