import type { Machine } from '../machine/Machine.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { Pmap } from '../pmap/Pmap.ts';
import type { PmapContext } from '../pmap/PmapContext.ts';
import { PmapContextToken } from '../pmap/PmapContextToken.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { VmContext } from '../vm/VmContext.ts';
import type { ChangeLog } from './ChangeLog.ts';
import {
  hasSplitState,
  liveVmspaces,
  objectRefs,
  objectRefsHeld,
  objectRefsOf,
  objectRepopulated,
  pageOwner,
  pageOwnerOf,
  pageOwnerTotals,
  repopulatedOf,
  splitSiblingsOf,
} from './coreInvariants.ts';
import type { Invariant, Violation } from './Invariant.ts';

/** How the checker treats one registered invariant. */
const WHOLE = 0;
const VMSPACE = 1;
const PMAP = 2;
const OBJECT_REFS = 3;
const PAGE_OWNER = 4;
const REPOPULATED = 5;

/** Violations kept per unit (only units with some); emitted in ascending unit id. */
type Kept = Map<number, Violation[]>;

function keep(kept: Kept, id: number, v: Violation[]): void {
  if (v.length > 0) kept.set(id, v);
  else kept.delete(id);
}

function emit(kept: Kept, out: Violation[]): void {
  if (kept.size === 0) return;
  const ids = [...kept.keys()].sort((a, b) => a - b);
  for (const id of ids) for (const v of kept.get(id)!) out.push(v);
}

function bump(m: Map<number, number>, id: number, by: number): void {
  const n = (m.get(id) ?? 0) + by;
  if (n === 0) m.delete(id);
  else m.set(id, n);
}

/**
 * The incremental form of InvariantRegistry.check (docs/invariants.md "Incremental
 * checking"). It drains the machine's ChangeLog after every step and re-checks:
 *
 * - each vmspace whose map, page tables or MD pmap state changed, or that was created, died,
 *   or gained or lost a process or holder, with every invariant that has `checkVmspace` and
 *   (its pmap) `checkPmap`;
 * - each vmspace that maps an object whose fault-visible contents changed, or an object whose
 *   chain reaches such an object: the reverse path from a changed object up through the
 *   objects that shadow it (or split from it) to the entries that map any of them (the
 *   SA-21:08 case: a page inserted into a shared object changes what another process's PTE
 *   must map);
 * - each object whose references, resident list or pages changed, or whose counted
 *   references changed (`object_refs`, `page_owner`); every object a split has touched
 *   (`object_repopulated`, which compares page contents, and those are not tracked).
 *
 * What it keeps to do that: the object ids each live vmspace's entries reference and the
 * objects each live object references (so `object_refs`' counts are sums kept up to date),
 * who maps and who shadows each object (the reverse path), each frame's owner at the last
 * check and the object whose list last held it (`page_owner`'s totals and which lists a
 * changed frame concerns), and the violations of every unit. Invariants without
 * `checkVmspace` / `checkPmap` run whole every time. The violations come out in the order a
 * full check gives them.
 *
 * The first check of a machine (or one after another checker drained its log) is a full
 * pass that builds this state.
 */
export class IncrementalChecker {
  private readonly kinds: number[];
  private readonly kept: Kept[];
  /** `object_repopulated`'s second part (its first is `kept`). */
  private readonly keptSiblings: Kept = new Map();
  private log: ChangeLog | null = null;

  // --- vmspaces ----------------------------------------------------------------------------
  /** Live vmspaces by id. */
  private readonly live = new Map<number, Vmspace>();
  /** The object ids each live vmspace's entries reference (one per entry). */
  private readonly mapped = new Map<number, number[]>();
  /** Object id → (vmspace id → entries of that vmspace referencing it). */
  private readonly mappers = new Map<number, Map<number, number>>();
  /** Live vmspaces whose pmap reports no changes: re-checked every time. */
  private readonly untracked = new Map<number, Vmspace>();
  /** Processes' vmspaces by pid, and how many processes each vmspace has; the held ones. */
  private readonly pidVms = new Map<number, Vmspace>();
  private readonly procCount = new Map<Vmspace, number>();
  private held = new Set<Vmspace>();

  // --- objects -------------------------------------------------------------------------------
  /** The object ids each live object holds references to (objectRefsHeld). */
  private readonly holds = new Map<number, number[]>();
  /** References counted to each object id (from live vmspaces' entries and live objects). */
  private readonly counted = new Map<number, number>();
  /** Object id → ids of the objects whose chains read it (it is their backing or split target). */
  private readonly readers = new Map<number, Map<number, number>>();
  /** What each live object's chain reads (backing id, split target id; -1 for none). */
  private readonly reads = new Map<number, [number, number]>();
  /** Resident-list length of each live object at its last walk, and their sum. */
  private readonly listLen = new Map<number, number>();
  private owned = 0;
  /** Live objects a split has touched. */
  private readonly splitObjs = new Map<number, VmObject>();

  // --- frames ----------------------------------------------------------------------------------
  /** Each frame's owner at the last check, and the object whose list last held it (-1: none). */
  private lastOwner = new Int32Array(0);
  private listOf = new Int32Array(0);
  /** Frames with an owner (page_owner's `inUse`). */
  private inUse = 0;

  constructor(private readonly invariants: readonly Invariant[]) {
    this.kinds = invariants.map((i) =>
      i === objectRefs
        ? OBJECT_REFS
        : i === pageOwner
          ? PAGE_OWNER
          : i === objectRepopulated
            ? REPOPULATED
            : i.checkVmspace !== undefined
              ? VMSPACE
              : i.checkPmap !== undefined
                ? PMAP
                : WHOLE,
    );
    this.kept = invariants.map(() => new Map());
  }

  check(m: Machine, out: Violation[]): void {
    const vm = m.kernel.vm as VmContext;
    const log = vm.mem.changes;
    const fresh = this.log !== log || !log.on || log.drainer.get() !== this;
    const dirtyVms = new Set<Vmspace>();
    const dirtyObjs = new Set<number>();
    const contentObjs = new Set<number>();
    if (fresh) this.reset(vm, log, dirtyVms, dirtyObjs, contentObjs);
    else this.drain(vm, log, dirtyVms, dirtyObjs, contentObjs);

    // Vmspaces: liveness and the references their entries hold.
    const recheckObjs = new Set<number>(dirtyObjs);
    for (const v of dirtyVms) this.updateVmspace(v, recheckObjs);
    // Objects: the references they hold, what their chains read, their lists' lengths.
    const objects = vm.objects;
    for (const id of dirtyObjs) this.updateObject(id, objects.live.get(id), recheckObjs);
    // A changed object concerns the objects whose chain reads it (backing liveness) ...
    for (const id of contentObjs) {
      const r = this.readers.get(id);
      if (r !== undefined) for (const x of r.keys()) recheckObjs.add(x);
    }
    // ... and every vmspace that maps an object whose chain reaches it (the reverse path).
    const recheckVms = new Set<Vmspace>();
    for (const v of dirtyVms) if (this.live.has(v.id)) recheckVms.add(v);
    for (const v of this.untracked.values()) {
      recheckVms.add(v);
      dirtyVms.add(v);
    }
    if (contentObjs.size > 0) {
      const seen = new Set<number>(contentObjs);
      const todo = [...contentObjs];
      while (todo.length > 0) {
        const id = todo.pop()!;
        const mp = this.mappers.get(id);
        if (mp !== undefined) for (const vid of mp.keys()) recheckVms.add(this.live.get(vid)!);
        const r = this.readers.get(id);
        if (r !== undefined) {
          for (const x of r.keys()) {
            if (!seen.has(x)) {
              seen.add(x);
              todo.push(x);
            }
          }
        }
      }
    }

    const ctx = m.container.isBound(PmapContextToken) ? m.container.get<PmapContext>(PmapContextToken) : null;
    for (let n = 0; n < this.invariants.length; n++) {
      const inv = this.invariants[n]!;
      const kept = this.kept[n]!;
      switch (this.kinds[n]) {
        case VMSPACE:
          for (const v of dirtyVms) if (!this.live.has(v.id)) kept.delete(v.id);
          for (const v of recheckVms) {
            const vs: Violation[] = [];
            inv.checkVmspace!(m, v, vs);
            keep(kept, v.id, vs);
          }
          emit(kept, out);
          break;
        case PMAP:
          if (fresh) {
            // Every registered pmap (one whose vmspace is no longer live may still be).
            for (const pm of ctx?.pmaps ?? []) if (pm !== undefined) this.checkPmapUnit(m, inv, kept, pm, ctx);
          } else for (const v of dirtyVms) this.checkPmapUnit(m, inv, kept, v.pmap, ctx);
          emit(kept, out);
          break;
        case OBJECT_REFS:
          for (const id of recheckObjs) {
            const o = objects.live.get(id);
            if (o === undefined) {
              kept.delete(id);
              continue;
            }
            const vs: Violation[] = [];
            objectRefsOf(vm, o, this.counted.get(id) ?? 0, vs);
            keep(kept, id, vs);
          }
          emit(kept, out);
          break;
        case PAGE_OWNER:
          for (const id of recheckObjs) this.pageOwnerUnit(vm, kept, id, objects.live.get(id));
          emit(kept, out);
          pageOwnerTotals(vm, this.inUse, this.owned, out);
          break;
        case REPOPULATED: {
          // Page contents are not tracked: every object a split touched is looked at again.
          const sib = this.keptSiblings;
          kept.clear();
          sib.clear();
          for (const o of this.splitObjs.values()) {
            const a: Violation[] = [];
            repopulatedOf(vm, o, a);
            keep(kept, o.id, a);
          }
          for (const o of this.splitObjs.values()) {
            const b: Violation[] = [];
            splitSiblingsOf(vm, o, b);
            keep(sib, o.id, b);
          }
          emit(kept, out);
          emit(sib, out);
          break;
        }
        default:
          inv.check(m, out);
      }
    }
  }

  /** Starts over: every live vmspace, object and frame is new to the checker. */
  private reset(vm: VmContext, log: ChangeLog, dirtyVms: Set<Vmspace>, dirtyObjs: Set<number>, contentObjs: Set<number>): void {
    this.log = log;
    log.on = true;
    log.drainer.set(this);
    if (!vm.mem.hasTable(log)) vm.mem.addTable(log);
    this.clearLog(log);
    for (const k of this.kept) k.clear();
    this.keptSiblings.clear();
    this.live.clear();
    this.mapped.clear();
    this.mappers.clear();
    this.untracked.clear();
    this.pidVms.clear();
    this.procCount.clear();
    this.held = new Set(vm.holders.values());
    this.holds.clear();
    this.counted.clear();
    this.readers.clear();
    this.reads.clear();
    this.listLen.clear();
    this.owned = 0;
    this.splitObjs.clear();
    for (const p of vm.procs.values()) {
      this.pidVms.set(p.pid, p.vmspace);
      this.procCount.set(p.vmspace, (this.procCount.get(p.vmspace) ?? 0) + 1);
    }
    for (const v of liveVmspaces(vm)) dirtyVms.add(v);
    dirtyVms.add(vm.kernelVmspace);
    for (const id of vm.objects.live.keys()) {
      dirtyObjs.add(id);
      contentObjs.add(id);
    }
    const mem = vm.mem;
    const top = mem.highWater;
    this.lastOwner = new Int32Array(top).fill(-1);
    this.listOf = new Int32Array(top).fill(-1);
    let inUse = 0;
    for (let f = 0; f < top; f++) {
      const o = mem.objectOf(f);
      this.lastOwner[f] = o;
      if (o >= 0) inUse++;
    }
    this.inUse = inUse;
  }

  private clearLog(log: ChangeLog): void {
    for (const u of log.vmspaces) u.logged = false;
    for (const u of log.objects) u.logged = false;
    for (const u of log.content) u.contentLogged = false;
    for (const f of log.frames) log.frameMark[f] = 0;
    log.vmspaces.length = 0;
    log.objects.length = 0;
    log.content.length = 0;
    log.frames.length = 0;
    log.procs.length = 0;
    log.holdersChanged = false;
  }

  /** What the log recorded since the last check. */
  private drain(vm: VmContext, log: ChangeLog, dirtyVms: Set<Vmspace>, dirtyObjs: Set<number>, contentObjs: Set<number>): void {
    const mem = vm.mem;
    if (log.frames.length > 0) {
      this.growFrames(mem.highWater);
      const last = this.lastOwner;
      const listOf = this.listOf;
      for (const f of log.frames) {
        log.frameMark[f] = 0;
        const cur = mem.objectOf(f);
        const prev = last[f] as number;
        if (cur >= 0 !== prev >= 0) this.inUse += cur >= 0 ? 1 : -1;
        last[f] = cur;
        // The frame's owner now and before concern what a fault finds in both objects (and
        // cow_readonly's owner test); the list that held it concerns page_owner.
        if (cur >= 0) contentObjs.add(cur);
        if (prev >= 0) contentObjs.add(prev);
        const l = listOf[f] as number;
        if (l >= 0) dirtyObjs.add(l);
      }
      log.frames.length = 0;
    }
    for (const u of log.content) {
      u.contentLogged = false;
      contentObjs.add((u as VmObject).id);
    }
    log.content.length = 0;
    for (const u of log.objects) {
      u.logged = false;
      dirtyObjs.add((u as VmObject).id);
    }
    log.objects.length = 0;
    for (const id of contentObjs) dirtyObjs.add(id);
    for (const u of log.vmspaces) {
      u.logged = false;
      dirtyVms.add(u as Vmspace);
    }
    log.vmspaces.length = 0;
    for (const pid of log.procs) {
      const p = vm.procs.get(pid);
      const prev = this.pidVms.get(pid);
      const cur = p?.vmspace;
      if (prev === cur) continue;
      if (prev !== undefined) {
        this.procCount.set(prev, this.procCount.get(prev)! - 1);
        dirtyVms.add(prev);
      }
      if (cur !== undefined) {
        this.procCount.set(cur, (this.procCount.get(cur) ?? 0) + 1);
        this.pidVms.set(pid, cur);
        dirtyVms.add(cur);
      }
    }
    log.procs.length = 0;
    if (log.holdersChanged) {
      log.holdersChanged = false;
      const now = new Set(vm.holders.values());
      for (const v of now) if (!this.held.has(v)) dirtyVms.add(v);
      for (const v of this.held) if (!now.has(v)) dirtyVms.add(v);
      this.held = now;
    }
  }

  private growFrames(n: number): void {
    if (n <= this.lastOwner.length) return;
    const cap = Math.max(n, this.lastOwner.length * 2);
    const a = new Int32Array(cap).fill(-1);
    a.set(this.lastOwner);
    this.lastOwner = a;
    const b = new Int32Array(cap).fill(-1);
    b.set(this.listOf);
    this.listOf = b;
  }

  /** A vmspace changed: whether it is live now, and the references its entries hold. */
  private updateVmspace(v: Vmspace, recheckObjs: Set<number>): void {
    const id = v.id;
    const old = this.mapped.get(id);
    if (old !== undefined) {
      for (const o of old) {
        bump(this.counted, o, -1);
        recheckObjs.add(o);
        const mp = this.mappers.get(o)!;
        bump(mp, id, -1);
        if (mp.size === 0) this.mappers.delete(o);
      }
      this.mapped.delete(id);
    }
    const isLive = !v.dead && ((this.procCount.get(v) ?? 0) > 0 || this.held.has(v));
    if (!isLive) {
      this.live.delete(id);
      this.untracked.delete(id);
      return;
    }
    this.live.set(id, v);
    if (v.untracked) this.untracked.set(id, v);
    const ids: number[] = [];
    for (const e of v.map.entries) {
      const o = e.object;
      if (o === null) continue;
      ids.push(o.id);
      bump(this.counted, o.id, 1);
      recheckObjs.add(o.id);
      let mp = this.mappers.get(o.id);
      if (mp === undefined) {
        mp = new Map();
        this.mappers.set(o.id, mp);
      }
      bump(mp, id, 1);
    }
    this.mapped.set(id, ids);
  }

  /** An object changed: the references it holds, what its chain reads, whether a split touched it. */
  private updateObject(id: number, o: VmObject | undefined, recheckObjs: Set<number>): void {
    const old = this.holds.get(id);
    if (old !== undefined) {
      for (const x of old) {
        bump(this.counted, x, -1);
        recheckObjs.add(x);
      }
      this.holds.delete(id);
    }
    const r = this.reads.get(id);
    if (r !== undefined) {
      for (const x of r) if (x >= 0) this.unread(x, id);
      this.reads.delete(id);
    }
    if (o === undefined) {
      const n = this.listLen.get(id);
      if (n !== undefined) {
        this.owned -= n;
        this.listLen.delete(id);
      }
      this.splitObjs.delete(id);
      return;
    }
    const held: number[] = [];
    objectRefsHeld(o, (x) => {
      if (x === null) return;
      held.push(x.id);
      bump(this.counted, x.id, 1);
      recheckObjs.add(x.id);
    });
    this.holds.set(id, held);
    const b = o.backing?.id ?? -1;
    const s = o.splitInto?.id ?? -1;
    this.reads.set(id, [b, s]);
    if (b >= 0) this.read(b, id);
    if (s >= 0) this.read(s, id);
    if (hasSplitState(o)) this.splitObjs.set(id, o);
    else this.splitObjs.delete(id);
  }

  private read(x: number, by: number): void {
    let r = this.readers.get(x);
    if (r === undefined) {
      r = new Map();
      this.readers.set(x, r);
    }
    bump(r, by, 1);
  }

  private unread(x: number, by: number): void {
    const r = this.readers.get(x);
    if (r === undefined) return;
    bump(r, by, -1);
    if (r.size === 0) this.readers.delete(x);
  }

  /** page_owner for one object (live or gone), keeping the list length sum and which list holds each frame. */
  private pageOwnerUnit(vm: VmContext, kept: Kept, id: number, o: VmObject | undefined): void {
    if (o === undefined) {
      kept.delete(id);
      return;
    }
    const vs: Violation[] = [];
    this.growFrames(vm.mem.highWater);
    const listOf = this.listOf;
    const n = pageOwnerOf(vm, o, vs, (f) => {
      listOf[f] = id;
    });
    this.owned += n - (this.listLen.get(id) ?? 0);
    this.listLen.set(id, n);
    keep(kept, id, vs);
  }

  private checkPmapUnit(m: Machine, inv: Invariant, kept: Kept, pm: Pmap, ctx: PmapContext | null): void {
    if (ctx === null || ctx.pmaps[pm.id] !== pm) {
      kept.delete(pm.id);
      return;
    }
    const vs: Violation[] = [];
    inv.checkPmap!(m, pm, vs);
    keep(kept, pm.id, vs);
  }
}
