/** A unit whose change the log records once until the next drain (a vmspace or a VM object). */
export interface ChangeUnit {
  /** Set while the unit waits in the log; cleared by the drain. */
  logged: boolean;
}

/**
 * What changed since the invariants were last checked (docs/invariants.md "Incremental
 * checking"): the layers below record each change where they make it, the way a kernel bumps
 * a map's timestamp or keeps a page's pv list, and the incremental checker
 * (IncrementalChecker.ts) drains the log after every step and re-checks only what the
 * changes can reach.
 *
 * - **frames** whose owner, index, resident-list links, queue (free) or resident-index entry
 *   changed: PhysMem (alloc, free, memqInsert, memqRemove) and ResidentIndex (insert, remove);
 * - **objects** whose contents as a fault resolves them changed (backing object and offset,
 *   size, pager, a split under way, swap blocks: VmObject's setters, the pagers) or whose
 *   references changed (refCount, heldRefs: VmObject's setters), and objects created or
 *   terminated (VmObjects); a resident-list change names its list's object too;
 * - **vmspaces** whose map (entries added, removed or changed: VmMap, VmMapEntry's setters),
 *   page tables (SoftPageTable, through SoftPmap) or MD pmap state (a pmap's rangesets) changed,
 *   and vmspaces that were created, died, or gained or lost a process or a holder.
 *
 * Nothing is recorded until a checker turns the log on (`on`), so a run without `--check`
 * pays one branch per change. The log lives with the machine (PhysMem.changes) and is data
 * (arrays and flags), so explore's snapshots restore it together with the checker's caches;
 * after a drain it is empty, so two runs that reach the same state hash the same.
 */
export class ChangeLog {
  on = false;
  /** Frames changed, each once (`frameMark`). */
  readonly frames: number[] = [];
  /** One byte per frame with storage: 1 while the frame is in `frames` (allocated when the log is turned on). */
  frameMark: Uint8Array = new Uint8Array(0);
  /** Objects whose fault-visible contents changed (each once: `contentLogged`). */
  readonly content: ContentUnit[] = [];
  /** Objects whose bookkeeping (references, resident list) changed (each once: `logged`). */
  readonly objects: ChangeUnit[] = [];
  /** Vmspaces whose map, pmap or liveness changed (each once: `logged`). */
  readonly vmspaces: ChangeUnit[] = [];
  /** Processes created or given another vmspace (exec), by pid, in order. */
  readonly procs: number[] = [];
  /** The holders table (hold / release) changed. */
  holdersChanged = false;
  /**
   * Who drains the log: a checker that is not the last one to drain it starts over with a
   * full check. Kept in a closure (not a data property), so it is neither part of a
   * snapshot nor of a state hash.
   */
  readonly drainer: { get(): object | null; set(o: object | null): void } = ((): { get(): object | null; set(o: object | null): void } => {
    let d: object | null = null;
    return {
      get: () => d,
      set: (o) => {
        d = o;
      },
    };
  })();

  /** FrameTable: room for the marks of frames [0, n). */
  growFrames(n: number): void {
    if (!this.on || n <= this.frameMark.length) return;
    const m = new Uint8Array(n);
    m.set(this.frameMark);
    this.frameMark = m;
  }

  frame(f: number): void {
    if (!this.on || this.frameMark[f] === 1) return;
    this.frameMark[f] = 1;
    this.frames.push(f);
  }

  /** A resident list changed: the list's own object (it may not be the frame's owner). */
  list(o: object): void {
    const u = o as Partial<ChangeUnit>;
    if (this.on && u.logged === false) {
      u.logged = true;
      this.objects.push(u as ChangeUnit);
    }
  }

  object(u: ChangeUnit): void {
    if (this.on && !u.logged) {
      u.logged = true;
      this.objects.push(u);
    }
  }

  objectContent(u: ContentUnit): void {
    if (this.on && !u.contentLogged) {
      u.contentLogged = true;
      this.content.push(u);
    }
  }

  vmspace(u: ChangeUnit): void {
    if (this.on && !u.logged) {
      u.logged = true;
      this.vmspaces.push(u);
    }
  }

  /** Process `pid` was created or exec gave it another vmspace. */
  proc(pid: number): void {
    if (this.on) this.procs.push(pid);
  }

  holders(): void {
    if (this.on) this.holdersChanged = true;
  }
}

/** An object, logged for content changes apart from bookkeeping ones. */
export interface ContentUnit extends ChangeUnit {
  contentLogged: boolean;
}

/** Who a page table, a map or an MD rangeset reports its changes to (its vmspace). */
export interface ChangeOwner {
  noteChange(): void;
}
