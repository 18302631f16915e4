/**
 * The machine's state at one moment, as plain JSON: what `replay --until N --json` prints
 * and what the viewer shows at command N (procstat -v and `show vmochk` in one document).
 * Processes with their map entries, PTEs and MD side tables; every live object, with its shadow chain, reference count, resident pages and pages on swap.
 */
import {
  MAP_ENTRY_COW,
  MAP_ENTRY_NEEDS_COPY,
  type Machine,
  type MdState,
  OBJ_DEAD,
  OBJ_ONEMAPPING,
  OBJ_SPLIT,
  PG_BUSY,
  PG_DIRTY,
  PG_REFERENCED,
  PG_REUSABLE,
  type PmapContext,
  PmapContextToken,
  type Process,
  PTE_W,
  type VmObject,
  mdState,
  protToString,
} from '@vmlab/core';

/** At most this many PTEs per process and pages per object are listed (the counts stay exact). */
export const SNAPSHOT_PAGE_LIMIT = 2048;

export interface EntryState {
  start: number;
  end: number;
  prot: string;
  maxprot: string;
  inherit: string;
  shared: boolean;
  /** The entry's wiring count (mlock, user wiring). */
  wired: number;
  object: number | null;
  /** Offset of the entry's start in its object, in pages. */
  offset: number;
  needs_copy?: boolean;
  cow?: boolean;
  revoked?: boolean;
  /** MD bits the entry carries (a Linux pkey, PROT_BTI), as the arch module names them. */
  md_flags?: number;
}

export interface PteState {
  va: number;
  frame: number;
  writable: boolean;
  executable: boolean;
  pkey?: number;
  guarded?: boolean;
  /** Page flags of the frame mapped. */
  dirty: boolean;
  referenced: boolean;
}

export interface ProcessState {
  pid: number;
  state: string;
  kernel?: true;
  /** The pmap's id (events and TLB entries name it). */
  pmap: number;
  threads: number[];
  vmspace_refs: number;
  rss: number;
  entries: EntryState[];
  ptes: PteState[];
  ptes_truncated?: true;
  /** MD side tables and per-thread registers (absent when the arch module shows none). */
  md?: MdState;
}

export interface PageState {
  pindex: number;
  frame: number;
  dirty: boolean;
  busy: boolean;
  wired: boolean;
  reusable: boolean;
  referenced: boolean;
}

export interface ObjectState {
  id: number;
  type: string;
  /** Size in pages. */
  size: number;
  refs: number;
  flags: string[];
  backing: number | null;
  /** Page offset within the backing object. */
  backing_offset: number;
  shadows: number[];
  pager: string;
  resident: number;
  swapped: number;
  pages: PageState[];
  /** pindexes held on the backing store (swap). */
  swap: number[];
  truncated?: true;
}

/** A translation cached in a CPU's TLB (machines with more than one CPU). */
export interface TlbEntryState {
  cpu: number;
  /** The pmap's id (each process's `pmap`). */
  pmap: number;
  va: number;
  frame: number;
  writable: boolean;
  /** A deferred invalidation of it is queued (tlb.shootdown: deferred). */
  pending?: true;
}

export interface StateSnapshot {
  processes: ProcessState[];
  objects: ObjectState[];
  free_pages: number;
  swap_used: number;
  counters: Record<string, number>;
  events: Record<string, number>;
  /** Every CPU's cached translations, when the machine has a TLB model (at most SNAPSHOT_PAGE_LIMIT). */
  tlb?: TlbEntryState[];
}

function entryState(e: Process['vmspace']['map']['entries'][number]): EntryState {
  return {
    start: e.start,
    end: e.end,
    prot: protToString(e.prot),
    maxprot: protToString(e.maxprot),
    inherit: e.inherit,
    shared: e.shared,
    wired: e.wiredCount,
    object: e.object?.id ?? null,
    offset: e.offset,
    ...((e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0 ? { needs_copy: true } : {}),
    ...((e.eflags & MAP_ENTRY_COW) !== 0 ? { cow: true } : {}),
    ...(e.revoked ? { revoked: true } : {}),
    ...(e.mdFlags !== 0 ? { md_flags: e.mdFlags } : {}),
  };
}

function processState(machine: Machine, p: Process): ProcessState {
  const k = machine.kernel;
  const vms = p.vmspace;
  const threads: number[] = [];
  for (const t of p.threads.values()) if (t.alive) threads.push(t.tid);
  const ptes: PteState[] = [];
  let truncated = false;
  if (!vms.dead) {
    vms.pmap.forEachMapping(0, k.userTop, (va, frame) => {
      if (ptes.length >= SNAPSHOT_PAGE_LIMIT) {
        truncated = true;
        return;
      }
      const info = vms.pmap.pte(va);
      const f = k.mem.flags[frame] ?? 0;
      ptes.push({
        va,
        frame,
        writable: info?.writable ?? false,
        executable: info?.executable ?? false,
        ...(info?.pkey !== undefined ? { pkey: info.pkey } : {}),
        ...(info?.guarded !== undefined ? { guarded: info.guarded } : {}),
        dirty: (f & PG_DIRTY) !== 0 || vms.pmap.isModified(frame),
        referenced: (f & PG_REFERENCED) !== 0,
      });
    });
  }
  const md = p.kernel ? {} : mdState(k, p);
  return {
    pid: p.pid,
    state: p.state,
    ...(p.kernel ? { kernel: true as const } : {}),
    pmap: vms.pmap.id,
    threads,
    vmspace_refs: vms.refs,
    rss: vms.dead ? 0 : vms.pmap.residentCount,
    entries: Array.from(vms.map.entries, entryState),
    ptes,
    ...(truncated ? { ptes_truncated: true as const } : {}),
    ...(md.ranges !== undefined || md.threads !== undefined ? { md } : {}),
  };
}

function objectState(machine: Machine, o: VmObject): ObjectState {
  const mem = machine.kernel.mem;
  const pages: PageState[] = [];
  let truncated = false;
  for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
    if (pages.length >= SNAPSHOT_PAGE_LIMIT) {
      truncated = true;
      break;
    }
    const fl = mem.flags[f]!;
    pages.push({
      pindex: mem.pindexOf(f),
      frame: f,
      dirty: (fl & PG_DIRTY) !== 0,
      busy: (fl & PG_BUSY) !== 0,
      wired: mem.wireCountOf(f) > 0,
      reusable: (fl & PG_REUSABLE) !== 0,
      referenced: (fl & PG_REFERENCED) !== 0,
    });
  }
  pages.sort((a, b) => a.pindex - b.pindex);
  const stored = o.pager.storedPages?.(o) ?? [];
  if (stored.length > SNAPSHOT_PAGE_LIMIT) truncated = true;
  const flags: string[] = [];
  if ((o.flags & OBJ_ONEMAPPING) !== 0) flags.push('onemapping');
  if ((o.flags & OBJ_SPLIT) !== 0) flags.push('split');
  if ((o.flags & OBJ_DEAD) !== 0) flags.push('dead');
  return {
    id: o.id,
    type: o.type,
    size: o.size,
    refs: o.refCount,
    flags,
    backing: o.backing?.id ?? null,
    backing_offset: o.backingOffset,
    shadows: [...o.shadows].map((s) => s.id),
    pager: o.pager.name,
    resident: o.resident,
    swapped: stored.length,
    pages,
    swap: stored.slice(0, SNAPSHOT_PAGE_LIMIT),
    ...(truncated ? { truncated: true as const } : {}),
  };
}

/** The state of `machine` now: processes (entries, PTEs, MD tables), objects, memory, counters. */
export function stateSnapshot(machine: Machine): StateSnapshot {
  const k = machine.kernel;
  const processes: ProcessState[] = [];
  for (const p of k.procs.values()) processes.push(processState(machine, p));
  const objects = [...k.objects.live.values()].sort((a, b) => a.id - b.id).map((o) => objectState(machine, o));
  const events: Record<string, number> = {};
  for (const [kind, n] of Object.entries(k.bus.counts)) if (n > 0) events[kind] = n;
  const model = machine.container.isBound(PmapContextToken) ? machine.container.get<PmapContext>(PmapContextToken).tlb : null;
  let tlb: TlbEntryState[] | undefined;
  if (model !== null) {
    tlb = [];
    const out = tlb;
    model.forEach((cpu, pmap, vpn, frame, bits) => {
      if (out.length >= SNAPSHOT_PAGE_LIMIT) return;
      out.push({ cpu, pmap, va: vpn * 4096, frame, writable: (bits & PTE_W) !== 0, ...(model.isPending(cpu, pmap, vpn) ? { pending: true as const } : {}) });
    });
  }
  return {
    processes,
    objects,
    free_pages: k.mem.freeCount,
    swap_used: k.anonPager.used?.() ?? 0,
    counters: machine.counters.snapshot(),
    events,
    ...(tlb !== undefined ? { tlb } : {}),
  };
}
