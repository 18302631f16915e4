import { PG_BUSY, PG_DIRTY, PQ_ACTIVE, PQ_NONE, type PhysMem } from '../mem/PhysMem.ts';
import type { ResidentIndex } from '../mem/ResidentIndex.ts';
import type { EventBus } from '../events/EventBus.ts';
import type { Pager } from '../pager/Pager.ts';
import type { PageOps } from '../pmap/PageOps.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';
import type { Holdable, KGen } from '../sched/KGen.ts';
import { ObjectPageService, type PageService } from './PageService.ts';
import { OBJ_COLLAPSING, OBJ_DEAD, OBJ_ONEMAPPING, OBJ_SPLIT, VmObject } from './VmObject.ts';
import { type CollapsePolicy, collapseScanCollapsing } from '../policy/CollapsePolicy.ts';
import { emitObjectCollapse, emitObjectSplit, emitObjectTerminate } from '../events/emit.ts';

/** Whether a split moved index i out of o (nothing maps it there any more). */
function movedOut(o: VmObject, i: number): boolean {
  const r = o.movedRanges;
  for (let j = 0; j < r.length; j += 2) if (i >= r[j]! && i < r[j + 1]!) return true;
  return false;
}

/** Who frees pages when an allocation finds none (the page daemon); true if it freed any. */
export interface PageReclaimer {
  reclaim(): boolean;
}

/** Raised when no physical page can be had, even after reclaim. */
export class OutOfMemory extends Error {}

/**
 * The object layer (FreeBSD sys/vm/vm_object.c and the page half of vm_page.c): allocation,
 * references, shadowing, collapse, split, and the pages of objects.
 *
 * Invariants (checked by `object_refs` and `page_owner`):
 *   refCount(o) = #entries referencing o + #shadows of o (+1 for a vnode's own reference)
 *   frame f is resident in o at i  ⇔  mem.objectOf(f) = o.id ∧ mem.pindexOf(f) = i ∧ lookup(o, i) = f
 */
export class VmObjects {
  /** Live objects by id, in creation order. */
  readonly live = new Map<number, VmObject>();
  /**
   * The scheduler thread (sched.current) that busied a frame for pager I/O in a fault, by
   * frame: a path sleeping on that busy page names it in a deadlock's wait-for cycle.
   */
  readonly busyHolders = new Map<number, number>();
  /**
   * Uses of an object after it was terminated or collapsed away (a use after free in the
   * kernel), as messages: the `object_use_after_free` invariant reports them.
   */
  readonly staleUses: string[] = [];
  private nextId = 1;

  constructor(
    readonly mem: PhysMem,
    readonly resident: ResidentIndex,
    readonly bus: EventBus,
    /** Page-level pmap operations: a freed page loses its translations first (pmap_remove_all). */
    private readonly pages: PageOps,
    /** Asked when no page is free (the page daemon, vm_wait's wakeup); null for none. */
    private readonly reclaimer: PageReclaimer | null,
    /** The page service: pages enter and leave objects there (the one pagers are given). */
    readonly pageService: PageService = new ObjectPageService(mem, resident),
    /** `collapse.scan`: what a collapse asleep in its scan marks (collapseSleepable). */
    private readonly collapsePolicy: CollapsePolicy = collapseScanCollapsing,
  ) {}

  // --- objects ---------------------------------------------------------------------------

  /** vm_object_allocate */
  allocate(type: 'anon' | 'vnode', size: number, pager: Pager, file: VnodeFile | null = null): VmObject {
    const o = new VmObject(this.nextId++, type, size, pager, file);
    if (type === 'anon') o.flags |= OBJ_ONEMAPPING;
    o.changes = this.mem.changes;
    this.live.set(o.id, o);
    o.noteContent();
    return o;
  }

  /** vm_object_reference */
  reference(o: VmObject): void {
    o.refCount++;
  }

  /**
   * A kernel path's own reference across a sleep (vm_fault's vm_object_reference of its
   * first object): an unmap meanwhile cannot terminate the object under it.
   */
  hold(o: VmObject): void {
    o.refCount++;
    o.heldRefs++;
  }

  /** Drops a reference taken by `hold` (vm_object_deallocate): the object may go now. */
  release(o: VmObject): void {
    o.heldRefs--;
    this.deallocate(o);
  }

  /**
   * vm_object_deallocate: drops a reference; at zero the object is terminated and its
   * backing object's reference dropped in turn. When an anonymous object is left with one
   * reference that is its only shadow's, the shadow absorbs it (collapse).
   */
  deallocate(o: VmObject | null): void {
    while (o !== null) {
      o.refCount--;
      if (o.refCount > 0) {
        if (o.refCount === 1 && o.isAnon && o.shadows.size === 1) {
          const s = o.shadows.values().next().value as VmObject;
          this.collapse(s);
        }
        return;
      }
      const backing = o.backing;
      this.terminate(o);
      o = backing;
    }
  }

  /**
   * vm_object_terminate: frees every page and the pager's store; unlinks from the backing
   * object. The pages' remaining mappings are removed first, the list still whole; then the
   * pages are freed in list order and the list and the index emptied of them at once
   * (vm_object_terminate_pages), not page by page (vm_page_remove's unlinking).
   */
  terminate(o: VmObject): void {
    o.flags |= OBJ_DEAD;
    const mem = this.mem;
    for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) this.pages.removeAll(f);
    this.pageService.freeAll(o);
    o.pager.dealloc?.(o);
    if (o.backing !== null) o.backing.shadows.delete(o);
    this.live.delete(o.id);
    o.noteContent();
    emitObjectTerminate(this.bus, o.id);
  }

  /**
   * vm_object_shadow: the object an entry will write into. An anonymous object referenced
   * once is reused as is; otherwise a new anonymous object of `size` pages shadows `source`
   * at `offset` (the caller's reference moves to the shadow).
   */
  shadow(source: VmObject, offset: number, size: number, anonPager: Pager): VmObject {
    if (source.isAnon && source.refCount === 1 && source.shadows.size === 0) return source;
    const s = this.allocate('anon', size, anonPager);
    s.backing = source;
    s.backingOffset = offset;
    source.shadows.add(s);
    source.flags &= ~OBJ_ONEMAPPING;
    return s;
  }

  /**
   * vm_object_collapse where the caller cannot sleep (vm_object_deallocate, coalescing):
   * while o's backing object is anonymous, referenced only by o, not being split or
   * collapsed, and neither object has paging in progress or a busy page (where the kernel
   * would sleep, this path stops instead, as vm_object_qcollapse did), its pages and backing
   * store move into o (pages o already has shadow them and are freed) and o takes over its
   * backing object. `collapseSleepable` is the form that sleeps.
   */
  collapse(o: VmObject): void {
    for (;;) {
      const b = o.backing;
      if (b === null || !b.isAnon || b.refCount !== 1 || b.pip !== 0 || o.pip !== 0 || (b.flags & (OBJ_DEAD | OBJ_SPLIT)) !== 0) return;
      if (this.hasBusy(b) || this.hasBusy(o)) return;
      for (let f = b.memq; f !== -1; ) {
        const next = this.mem.listNextOf(f);
        this.scanPage(o, b, f);
        f = next;
      }
      this.finishCollapse(o, b);
    }
  }

  /**
   * vm_object_collapse from a path that may sleep (fork's vm_map_copy_entry), as FreeBSD's
   * since the 2020 rewrite has it (sys/vm/vm_object.c): no paging-in-progress gate; a
   * backing object that is being collapsed or is the top of a collapse is waited for
   * (vm_object_backing_collapse_wait); then, the backing object referenced by o alone, it is
   * marked OBJ_DEAD (and, under `collapse.scan: collapsing`, o OBJ_COLLAPSING, both counted
   * as paging in progress) and its pages are moved one by one (vm_object_collapse_scan). A
   * busy page, in the backing object or o's page at the same index, makes the scan drop
   * both object locks and sleep until it is unbusied, then relock and start again from the
   * backing object's first page (vm_object_collapse_scan_wait): the pages moved before the
   * sleep are gone from it. Under `dead_only` (before D6085) a dead backing object ends the
   * collapse instead of being waited for, and o is neither marked nor counted, so other
   * paths see it as idle while the scan sleeps.
   */
  *collapseSleepable(o: VmObject): KGen<void> {
    const marks = this.collapsePolicy.marksTop;
    const mem = this.mem;
    for (;;) {
      if ((o.flags & OBJ_DEAD) !== 0) return;
      let b = o.backing;
      while (b?.isAnon && (b.flags & (OBJ_DEAD | OBJ_COLLAPSING)) !== 0) {
        // A backing object already terminated has nothing to wait for. Only a damaged machine
        // has one (a shadow holds a reference on its backing object; the object_use_after_free
        // invariant reports it): waiting for it woke at once, forever.
        if (!marks || !this.live.has(b.id)) return;
        const cur = b;
        yield {
          reason: 'vm_object_collapse: backing object collapsing',
          until: () => o.backing !== cur || (cur.flags & (OBJ_DEAD | OBJ_COLLAPSING)) === 0 || !this.live.has(cur.id),
        };
        b = o.backing;
      }
      if (b === null || !b.isAnon || b.refCount !== 1 || (b.flags & OBJ_SPLIT) !== 0) return;
      b.flags |= OBJ_DEAD;
      b.pip++;
      if (marks) {
        o.flags |= OBJ_COLLAPSING;
        o.pip++;
      }
      scan: for (;;) {
        for (let f = b.memq; f !== -1; ) {
          const next = mem.listNextOf(f);
          const busy = this.scanBusy(o, f);
          if (busy !== -1) {
            const owner = mem.objectOf(busy);
            yield {
              reason: 'vm_object_collapse_scan: page busy',
              until: () => ((mem.flags[busy] as number) & PG_BUSY) === 0 || mem.objectOf(busy) !== owner,
              on: this.busyPage(busy),
            };
            continue scan;
          }
          this.scanPage(o, b, f);
          f = next;
        }
        break;
      }
      b.pip--;
      if (marks) {
        o.flags &= ~OBJ_COLLAPSING;
        o.pip--;
      }
      this.finishCollapse(o, b);
    }
  }

  /** The busy page that stops the collapse scan at the backing object's frame f (f itself, or o's page at its index), or -1. */
  private scanBusy(o: VmObject, f: number): number {
    const mem = this.mem;
    if (((mem.flags[f] as number) & PG_BUSY) !== 0) return f;
    const ni = mem.pindexOf(f) - o.backingOffset;
    if (ni < 0 || ni >= o.size) return -1;
    const pf = this.resident.lookup(o.id, ni);
    return pf !== -1 && ((mem.flags[pf] as number) & PG_BUSY) !== 0 ? pf : -1;
  }

  /**
   * One page of the collapse scan: b's frame f is freed when it lies outside o's window or o
   * has (or its pager has, or a split moved) that index, and renamed into o otherwise.
   */
  private scanPage(o: VmObject, b: VmObject, f: number): void {
    const ni = this.mem.pindexOf(f) - o.backingOffset;
    if (ni < 0 || ni >= o.size || this.resident.lookup(o.id, ni) !== -1 || o.pager.haspage(o, ni) || movedOut(o, ni)) {
      this.pages.removeAll(f);
      this.freePage(b, f);
    } else {
      this.renamePage(b, f, o, ni);
    }
  }

  /** The end of a collapse: b's backing store moves to o, o takes over b's backing object, b is gone. */
  private finishCollapse(o: VmObject, b: VmObject): void {
    const off = o.backingOffset;
    b.pager.copy?.(b, o, off, o.size, 0, true);
    b.pager.dealloc?.(b);
    o.backing = b.backing;
    o.backingOffset = off + b.backingOffset;
    if (b.backing !== null) {
      b.backing.shadows.delete(b);
      b.backing.shadows.add(o);
    }
    b.backing = null;
    b.shadows.clear();
    b.refCount = 0;
    b.flags |= OBJ_DEAD;
    this.live.delete(b.id);
    b.noteContent();
    emitObjectCollapse(this.bus, o.id, b.id);
  }

  /**
   * vm_object_split: gives the entry that covers [start, start+size) of `orig` an object of
   * its own. Pages in the range move to the new object in index order; a busy page makes
   * the split sleep and restart its scan. Swap blocks move at the end. Returns the new
   * object (the caller points the entry at it, offset 0).
   */
  *split(orig: VmObject, start: number, size: number, anonPager: Pager): KGen<VmObject> {
    const n = this.allocate('anon', size, anonPager);
    if (orig.backing !== null) {
      n.backing = orig.backing;
      n.backingOffset = orig.backingOffset + start;
      orig.backing.shadows.add(n);
      orig.backing.refCount++;
    }
    orig.flags |= OBJ_SPLIT;
    orig.splitStart = start;
    orig.splitDone = start;
    orig.splitInto = n;
    const mem = this.mem;
    const end = start + size;
    for (;;) {
      const pages: number[] = [];
      for (let f = orig.memq; f !== -1; f = mem.listNextOf(f)) {
        const i = mem.pindexOf(f);
        if (i >= start && i < end) pages.push(f);
      }
      pages.sort((a, b) => mem.pindexOf(a) - mem.pindexOf(b));
      let restarted = false;
      for (const f of pages) {
        if (((mem.flags[f] as number) & PG_BUSY) !== 0) {
          yield { reason: 'vm_object_split: page busy', until: () => ((mem.flags[f] as number) & PG_BUSY) === 0 || mem.objectOf(f) !== orig.id };
          restarted = true;
          break;
        }
        const i = mem.pindexOf(f);
        // A page that reappeared after its index was moved (the D15293 race) collides with
        // the moved one; it stays behind in orig, an orphan the invariant reports.
        if (this.resident.lookup(n.id, i - start) !== -1) continue;
        this.renamePage(orig, f, n, i - start);
        if (i + 1 > orig.splitDone) orig.splitDone = i + 1;
      }
      if (!restarted) break;
    }
    orig.pager.copy?.(orig, n, start, size, 0, false);
    orig.movedRanges.push(start, end);
    orig.splitTargets.push(n);
    orig.splitInto = null;
    orig.splitDone = 0;
    orig.flags &= ~OBJ_SPLIT;
    emitObjectSplit(this.bus, orig.id, n.id, start, end);
    return n;
  }

  // --- pages -------------------------------------------------------------------------------

  /** vm_page_alloc: a frame for (o, pindex), or -1 when memory is exhausted even after reclaim. */
  allocPage(o: VmObject, pindex: number): number {
    const ps = this.pageService;
    let f = ps.alloc(o, pindex);
    if (f === -1 && this.reclaimer !== null && this.reclaimer.reclaim()) f = ps.alloc(o, pindex);
    return f;
  }

  /** vm_page_free: the frame leaves its object; the caller removed its mappings. */
  freePage(o: VmObject, f: number): void {
    this.pageService.free(o, f);
  }

  /**
   * vm_page_rename: moves a frame to another (object, index), keeping its contents. The page
   * is always dirtied, as FreeBSD does: its backing copy belonged to the old (object, index)
   * and may be freed or invalidated by the move (collapse frees it), so the page itself is
   * now the only copy.
   */
  renamePage(from: VmObject, f: number, to: VmObject, pindex: number): void {
    this.mem.flags[f] = (this.mem.flags[f] as number) | PG_DIRTY;
    this.resident.remove(f);
    this.mem.memqRemove(from, f);
    this.mem.rekey(f, to.id, pindex);
    this.resident.insert(f);
    this.mem.memqInsert(to, f);
  }

  lookupPage(o: VmObject, pindex: number): number {
    return this.pageService.lookup(o, pindex);
  }

  /** Puts a faulted page on the active queue if it is on none. */
  activate(f: number): void {
    if (this.mem.queue[f] === PQ_NONE) this.mem.enqueue(f, PQ_ACTIVE);
  }

  markDirty(o: VmObject, f: number): void {
    const mem = this.mem;
    if (((mem.flags[f] as number) & PG_DIRTY) === 0) {
      mem.flags[f] = (mem.flags[f] as number) | PG_DIRTY;
      if (o.type !== 'anon' || o.pagerData !== undefined) o.pager.pageDirtied?.(o, mem.pindexOf(f));
    }
  }

  /** vm_object_busy. */
  busyObject(o: VmObject): void {
    o.busy++;
  }

  /**
   * vm_object_unbusy by `who`: on an object that is gone, a use after free (recorded). Every
   * way out of `live` (terminate, collapse) sets OBJ_DEAD first, so the flag alone tells.
   */
  unbusyObject(o: VmObject, who: string): void {
    if ((o.flags & OBJ_DEAD) !== 0) this.staleUses.push(`${who} unbusied object ${o.id} after it was terminated`);
    o.busy--;
  }

  /** What a path sleeping on busy frame f waits on: held by the thread that busied it, when known. */
  busyPage(f: number): Holdable {
    const holder = this.busyHolders.get(f);
    return {
      name: `busy page (object ${this.mem.objectOf(f)}, index ${this.mem.pindexOf(f)})`,
      holders: () => (holder !== undefined && this.busyHolders.get(f) === holder ? [holder] : []),
    };
  }

  private hasBusy(o: VmObject): boolean {
    const mem = this.mem;
    for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) if (((mem.flags[f] as number) & PG_BUSY) !== 0) return true;
    return false;
  }

  /** Frees the pages of [start, end) in o (vm_object_page_remove), removing their mappings. */
  pageRemove(o: VmObject, start: number, end: number, cleanOnly: boolean): void {
    const mem = this.mem;
    for (let f = o.memq; f !== -1; ) {
      const next = mem.listNextOf(f);
      const i = mem.pindexOf(f);
      if (i >= start && i < end && ((mem.flags[f] as number) & PG_BUSY) === 0 && mem.wireCountOf(f) === 0) {
        this.pages.removeAll(f);
        if (!cleanOnly || ((mem.flags[f] as number) & PG_DIRTY) === 0) this.freePage(o, f);
      }
      f = next;
    }
  }
}
