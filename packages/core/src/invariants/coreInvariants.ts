import { PAGE_SIZE, VM_PROT_WRITE } from '../abi/constants.ts';
import type { VmContext } from '../vm/VmContext.ts';
import { MAP_ENTRY_NEEDS_COPY } from '../map/VmMapEntry.ts';
import { PQ_FREE } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { Invariant, Violation } from './Invariant.ts';
import { staleTlb } from '../pmap/Tlb.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

/** Every vmspace that is still alive (owned by a process, the kernel vmspace its kernel threads share, or held), each once, by id. */
export function liveVmspaces(k: Pick<VmContext, 'procs' | 'holders'>): Vmspace[] {
  const seen = new Map<number, Vmspace>();
  for (const p of k.procs.values()) if (!p.vmspace.dead) seen.set(p.vmspace.id, p.vmspace);
  for (const v of k.holders.values()) if (!v.dead) seen.set(v.id, v);
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

/** Resolves (entry chain, index) the way a fault would: the frame found, or -1. */
function chainFrame(k: Pick<VmContext, 'objects'>, o: VmObject | null, pi: number): { frame: number; depth: number } {
  let depth = 0;
  while (o !== null) {
    const f = k.objects.lookupPage(o, pi);
    if (f !== -1) return { frame: f, depth };
    // A split under way has moved the page to its new object; the entry still names o.
    const n = o.splitInto;
    if (n !== null && pi >= o.splitStart && pi < o.splitStart + n.size) {
      const g = k.objects.lookupPage(n, pi - o.splitStart);
      if (g !== -1) return { frame: g, depth };
    }
    if (o.pager.haspage(o, pi)) return { frame: -1, depth };
    pi += o.backingOffset;
    o = o.backing;
    depth++;
  }
  return { frame: -1, depth };
}

export const mapOrder: Invariant = {
  name: 'map_order',
  description: "a map's entries are ordered, disjoint and within user space",
  check(m, out) {
    for (const v of liveVmspaces(m.kernel)) mapOrder.checkVmspace!(m, v, out);
  },
  checkVmspace(_m, v, out) {
    let prev = v.map.min;
    for (const e of v.map.entries) {
      if (e.start < prev || e.end <= e.start || e.end > v.map.max || e.start % PAGE_SIZE !== 0 || e.end % PAGE_SIZE !== 0) {
        out.push({ invariant: 'map_order', message: `vmspace ${v.id}: entry [${hex(e.start)}, ${hex(e.end)}) out of order or out of bounds` });
      }
      prev = e.end;
    }
  },
};

/** The objects `o` holds a reference to, each once per reference (the `object_refs` count; VmObjects.ts). */
export function objectRefsHeld(o: VmObject, add: (o: VmObject | null) => void): void {
  add(o.backing);
  if (o.type === 'vnode') add(o);
  // A fault asleep in its pager holds its first object.
  for (let i = 0; i < o.heldRefs; i++) add(o);
  // A split under way holds its new object's reference until the entry takes it.
  add(o.splitInto);
}

/** `object_refs` for one live object, given the references counted to it. */
export function objectRefsOf(k: Pick<VmContext, 'objects'>, o: VmObject, n: number, out: Violation[]): void {
  if (n !== o.refCount) out.push({ invariant: 'object_refs', message: `object ${o.id}: ref_count ${o.refCount}, references ${n}` });
  if (o.backing !== null && !k.objects.live.has(o.backing.id)) {
    out.push({ invariant: 'object_refs', message: `object ${o.id} backed by dead object ${o.backing.id}` });
  }
}

export const objectRefs: Invariant = {
  name: 'object_refs',
  description: "every object's reference count equals the references to it",
  check(m, out) {
    const k = m.kernel;
    const refs = new Map<number, number>();
    const add = (o: VmObject | null) => {
      if (o !== null) refs.set(o.id, (refs.get(o.id) ?? 0) + 1);
    };
    for (const v of liveVmspaces(k)) for (const e of v.map.entries) add(e.object);
    for (const o of k.objects.live.values()) objectRefsHeld(o, add);
    for (const o of k.objects.live.values()) objectRefsOf(k, o, refs.get(o.id) ?? 0, out);
  },
};

/**
 * `page_owner` for one live object: walks its resident list (calling `seen` with each frame)
 * and returns the list's length.
 */
export function pageOwnerOf(k: Pick<VmContext, 'mem' | 'resident'>, o: VmObject, out: Violation[], seen?: (f: number) => void): number {
  const mem = k.mem;
  let n = 0;
  for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
    n++;
    if (seen !== undefined) seen(f);
    if (mem.objectOf(f) !== o.id) out.push({ invariant: 'page_owner', message: `frame ${f} on object ${o.id}'s list but owned by ${mem.objectOf(f)}` });
    if (mem.queue[f] === PQ_FREE) out.push({ invariant: 'page_owner', message: `frame ${f} is free and owned by object ${o.id}` });
    if (k.resident.lookup(o.id, mem.pindexOf(f)) !== f) {
      out.push({ invariant: 'page_owner', message: `frame ${f} (object ${o.id} index ${mem.pindexOf(f)}) is not what the index finds` });
    }
  }
  if (n !== o.resident) out.push({ invariant: 'page_owner', message: `object ${o.id}: resident ${o.resident}, list holds ${n}` });
  return n;
}

/** `page_owner`'s totals: frames carrying an owner against pages on live objects' lists and free frames. */
export function pageOwnerTotals(k: Pick<VmContext, 'mem'>, inUse: number, owned: number, out: Violation[]): void {
  const mem = k.mem;
  if (inUse !== owned) out.push({ invariant: 'page_owner', message: `${inUse} frames carry an owner but ${owned} are on live objects' lists` });
  if (mem.freeCount + inUse !== mem.npages) out.push({ invariant: 'page_owner', message: `free ${mem.freeCount} + owned ${inUse} != ${mem.npages} frames` });
}

export const pageOwner: Invariant = {
  name: 'page_owner',
  description: 'every resident page belongs to exactly one (object, index); no page is both free and owned',
  check(m, out) {
    const k = m.kernel;
    const mem = k.mem;
    let owned = 0;
    for (const o of k.objects.live.values()) owned += pageOwnerOf(k, o, out);
    let inUse = 0;
    // Frames at and above the high-water mark were never allocated (PhysMem keeps no storage for them).
    for (let f = 0; f < mem.highWater; f++) if (mem.objectOf(f) >= 0) inUse++;
    pageOwnerTotals(k, inUse, owned, out);
  },
};

export const pteTarget: Invariant = {
  name: 'pte_target',
  description: "every present PTE maps the page the entry's object chain resolves to, with no more rights than the entry",
  check(m, out) {
    for (const v of liveVmspaces(m.kernel)) pteTarget.checkVmspace!(m, v, out);
  },
  checkVmspace(m, v, out) {
    const k = m.kernel;
    v.pmap.forEachMapping(v.map.min, v.map.max, (va, frame, writable) => {
      const e = v.map.entryAt(va);
      if (e === undefined) {
        out.push({ invariant: 'pte_target', message: `vmspace ${v.id}: PTE at ${hex(va)} with no map entry` });
        return;
      }
      const r = chainFrame(k, e.object, e.offset + (va - e.start) / PAGE_SIZE);
      if (r.frame !== frame) {
        out.push({ invariant: 'pte_target', message: `vmspace ${v.id}: PTE at ${hex(va)} maps frame ${frame}, the object chain finds ${r.frame}` });
      }
      if (writable && (e.prot & VM_PROT_WRITE) === 0) {
        out.push({ invariant: 'pte_target', message: `vmspace ${v.id}: PTE at ${hex(va)} writable in a read-only entry` });
      }
    });
  },
};

export const cowReadonly: Invariant = {
  name: 'cow_readonly',
  description: 'a page shared by copy-on-write is never writable in any pmap',
  check(m, out) {
    for (const v of liveVmspaces(m.kernel)) cowReadonly.checkVmspace!(m, v, out);
  },
  checkVmspace(m, v, out) {
    const k = m.kernel;
    v.pmap.forEachMapping(v.map.min, v.map.max, (va, frame, writable) => {
      if (!writable) return;
      const e = v.map.entryAt(va);
      if (e === undefined) return;
      const o = e.object;
      const owner = k.mem.objectOf(frame);
      if ((e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0 || (o !== null && owner !== o.id && !e.shared)) {
        out.push({ invariant: 'cow_readonly', message: `vmspace ${v.id}: copy-on-write page at ${hex(va)} (frame ${frame}) is writable` });
      }
    });
  },
};

export const rssInvariant: Invariant = {
  name: 'rss',
  description: "each process's RSS equals the data pages its page tables map",
  check(m, out) {
    for (const v of liveVmspaces(m.kernel)) rssInvariant.checkVmspace!(m, v, out);
  },
  checkVmspace(_m, v, out) {
    let n = 0;
    v.pmap.forEachMapping(v.map.min, v.map.max, () => {
      n++;
    });
    if (n !== v.pmap.residentCount) out.push({ invariant: 'rss', message: `vmspace ${v.id}: resident count ${v.pmap.residentCount}, mapped ${n}` });
  },
};

/** Whether `object_repopulated` has anything to look at in o (a split moved or is moving a range out of it). */
export function hasSplitState(o: VmObject): boolean {
  return o.movedRanges.length > 0 || o.splitDone > o.splitStart || o.splitTargets.length > 0 || o.splitInto !== null;
}

/** `object_repopulated`'s first part for one object: no page at an index a split moved out. */
export function repopulatedOf(k: Pick<VmContext, 'mem'>, o: VmObject, out: Violation[]): void {
  const mem = k.mem;
  if (o.movedRanges.length === 0 && o.splitDone <= o.splitStart) return;
  for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
    const i = mem.pindexOf(f);
    let bad = o.splitDone > o.splitStart && i >= o.splitStart && i < o.splitDone;
    for (let r = 0; r < o.movedRanges.length && !bad; r += 2) bad = i >= o.movedRanges[r]! && i < o.movedRanges[r + 1]!;
    if (bad) out.push({ invariant: 'object_repopulated', message: `object ${o.id} was repopulated at index ${i} after a split moved it` });
  }
}

/**
 * `object_repopulated`'s second part for one object: no index exists both in it and in the
 * object a split moved it to (its split sibling) with different contents. Ordinary shadow
 * chains are not compared: a shadow's copy legitimately differs from its backing object's
 * (copy-on-write).
 */
export function splitSiblingsOf(k: Pick<VmContext, 'mem' | 'objects'>, o: VmObject, out: Violation[]): void {
  const mem = k.mem;
  const pairs: [number, number, VmObject][] = [];
  for (let r = 0; r < o.splitTargets.length; r++) pairs.push([o.movedRanges[2 * r]!, o.movedRanges[2 * r + 1]!, o.splitTargets[r]!]);
  if (o.splitInto !== null) pairs.push([o.splitStart, o.splitDone, o.splitInto]);
  if (pairs.length === 0) return;
  for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
    const i = mem.pindexOf(f);
    for (const [s, e, n] of pairs) {
      if (i < s || i >= e || !k.objects.live.has(n.id)) continue;
      const g = k.objects.lookupPage(n, i - s);
      if (g !== -1 && !mem.contents.equals(f, mem.contents, g)) {
        out.push({
          invariant: 'object_repopulated',
          message: `index ${i} of object ${o.id} also exists as index ${i - s} of its split sibling ${n.id} with different contents`,
        });
      }
    }
  }
}

export const objectRepopulated: Invariant = {
  name: 'object_repopulated',
  description: 'once a split moved an index range out of an object, no page appears there again',
  check(m, out) {
    const k = m.kernel;
    for (const o of k.objects.live.values()) repopulatedOf(k, o, out);
    for (const o of k.objects.live.values()) splitSiblingsOf(k, o, out);
  },
};

export const CORE_INVARIANTS: readonly Invariant[] = [mapOrder, objectRefs, pageOwner, pteTarget, cowReadonly, rssInvariant, objectRepopulated, staleTlb];
