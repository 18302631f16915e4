import type { Pmap } from '../pmap/Pmap.ts';
import { VmMap } from '../map/VmMap.ts';

/**
 * An address space (FreeBSD struct vmspace): a map, its pmap and a reference count. Holders
 * (ptrace, sysctl) take references (the kernel's `hold` table names them); the address space is torn down when the last
 * reference goes (or emptied at exit under `exit.teardown: purge_in_exit`).
 */
export class Vmspace {
  refs = 1;
  /** The map was emptied by a purge (uvm_purge). */
  purged = false;
  /** Torn down: the pmap is destroyed and the map empty. */
  dead = false;
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
  ) {
    this.map = new VmMap(min, max);
  }
}
