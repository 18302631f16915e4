import { PG_BUSY, PQ_INACTIVE, type PhysMem } from '../mem/PhysMem.ts';
import type { ResidentIndex } from '../mem/ResidentIndex.ts';
import type { VmObject } from './VmObject.ts';

/**
 * The object layer's page service (the page half of FreeBSD vm_page.c, as a pager uses
 * it): a page enters and leaves an object here, in physical memory, the resident index and
 * the object's page list at once. The object layer (`VmObjects`) allocates and frees its
 * pages through it; a pager is given it (token `PageService`) for the pages it brings in
 * around a faulting one, so no pager touches physical memory's free list or the resident
 * index itself. Page contents are the pager's I/O: it reads and writes frames directly.
 */
export const PageService = Symbol('PageService');
export interface PageService {
  /** vm_page_lookup: the frame resident in `o` at `pindex`, or -1. */
  lookup(o: VmObject, pindex: number): number;
  /** vm_page_alloc without reclaim (VM_ALLOC_NOWAIT): a frame for (o, pindex), or -1 when none is free. */
  alloc(o: VmObject, pindex: number): number;
  /**
   * vm_page_alloc of a busy page with the object's paging in progress counted
   * (vm_page_xbusy, vm_object_pip_add): the page a pager fills; -1 when none is free.
   */
  allocBusy(o: VmObject, pindex: number): number;
  /** vm_page_xunbusy and vm_object_pip_wakeup: the pager is done with the page. */
  unbusy(o: VmObject, f: number): void;
  /** vm_page_deactivate: the page goes on the inactive queue (read ahead, not yet used). */
  deactivate(f: number): void;
  /** vm_page_free: the frame leaves its object; the caller removed its mappings. */
  free(o: VmObject, f: number): void;
  /** vm_object_terminate_pages: every page of `o` is freed, in list order; the caller removed their mappings. */
  freeAll(o: VmObject): void;
}

/** The page service over physical memory and the resident index (bound by core's module). */
export class ObjectPageService implements PageService {
  constructor(
    private readonly mem: PhysMem,
    private readonly resident: ResidentIndex,
  ) {}

  lookup(o: VmObject, pindex: number): number {
    return this.resident.lookup(o.id, pindex);
  }

  alloc(o: VmObject, pindex: number): number {
    const f = this.mem.alloc(o.id, pindex);
    if (f === -1) return -1;
    this.resident.insert(f);
    this.mem.memqInsert(o, f);
    return f;
  }

  allocBusy(o: VmObject, pindex: number): number {
    const f = this.alloc(o, pindex);
    if (f === -1) return -1;
    this.mem.flags[f] = (this.mem.flags[f] as number) | PG_BUSY;
    o.pip++;
    return f;
  }

  unbusy(o: VmObject, f: number): void {
    o.pip--;
    this.mem.flags[f] = (this.mem.flags[f] as number) & ~PG_BUSY;
  }

  deactivate(f: number): void {
    this.mem.enqueue(f, PQ_INACTIVE);
  }

  free(o: VmObject, f: number): void {
    this.resident.remove(f);
    this.mem.free(f, o);
  }

  freeAll(o: VmObject): void {
    this.resident.freeAll(o);
  }
}
