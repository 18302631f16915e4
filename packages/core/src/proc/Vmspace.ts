import type { ChangeLog, ChangeOwner, ChangeUnit } from '../invariants/ChangeLog.ts';
import type { Pmap } from '../pmap/Pmap.ts';
import { VmMap } from '../map/VmMap.ts';

/**
 * An address space (FreeBSD struct vmspace): a map, its pmap and a reference count. Holders
 * (ptrace, sysctl) take references (the kernel's `hold` table names them); the address space is torn down when the last
 * reference goes (or emptied at exit under `exit.teardown: purge_in_exit`).
 */
export class Vmspace implements ChangeOwner, ChangeUnit {
  refs = 1;
  /** The map was emptied by a purge (uvm_purge). */
  purged = false;
  /** In the change log's list (ChangeLog). */
  logged = false;
  /**
   * The pmap does not report its page-table changes (a pmap not built on SoftPmap): the
   * incremental checks re-check this vmspace after every step.
   */
  readonly untracked: boolean;
  private _dead = false;
  /** The start of the heap (vm_daddr) once a break call set it, and its end, page-aligned (vm_daddr + vm_dsize). */
  daddr: number | undefined = undefined;
  dbreak = 0;
  /**
   * mlockall(MCL_FUTURE): new mappings are wired (FreeBSD MAP_WIREFUTURE, OpenBSD
   * VM_MAP_WIREFUTURE, Linux VM_LOCKED in mm->def_flags), or locked as they fault
   * (`onfault`: Linux MCL_FUTURE|MCL_ONFAULT).
   */
  wireFuture: '' | 'wire' | 'onfault' = '';
  readonly map: VmMap;

  constructor(
    readonly id: number,
    readonly pmap: Pmap,
    readonly kernel: boolean,
    min: number,
    max: number,
    /** Where changes are recorded for the incremental invariant checks (null: nowhere). */
    readonly changes: ChangeLog | null = null,
  ) {
    this.map = new VmMap(min, max);
    this.map.owner = this;
    const tracked = pmap as Partial<{ changeOwner: ChangeOwner | null }>;
    this.untracked = tracked.changeOwner === undefined;
    if (!this.untracked) tracked.changeOwner = this;
    this.noteChange();
  }

  /** Torn down: the pmap is destroyed and the map empty. */
  get dead(): boolean {
    return this._dead;
  }
  set dead(v: boolean) {
    this._dead = v;
    this.noteChange();
  }

  /** Its map, page tables, MD pmap state or liveness changed (ChangeLog). */
  noteChange(): void {
    this.changes?.vmspace(this);
  }
}
