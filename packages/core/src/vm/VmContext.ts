import type { EventBus } from '../events/EventBus.ts';
import type { PhysMem } from '../mem/PhysMem.ts';
import type { ResidentIndex } from '../mem/ResidentIndex.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VmObjects } from '../object/VmObjects.ts';
import type { Pager } from '../pager/Pager.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';
import type { PageOps } from '../pmap/PageOps.ts';
import type { PmapFactory } from '../pmap/Pmap.ts';
import type { ExitPolicy } from '../policy/ExitPolicy.ts';
import type { MadvisePolicy } from '../policy/MadvisePolicy.ts';
import type { MapDeletePolicy } from '../policy/MapDeletePolicy.ts';
import type { PageDaemon } from '../policy/PageDaemon.ts';
import type { RevokePolicy } from '../policy/RevokePolicy.ts';
import type { Process } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { Counters } from './Counters.ts';

/** A simulated file: its vnode and its VM object. */
export interface FileRecord {
  readonly file: VnodeFile;
  readonly object: VmObject;
}

/**
 * The context of every machine-independent VM routine (map/, object/, fault/, fork/,
 * madvise/, revoke/, exit/, pageout/, invariants/): what FreeBSD's sys/vm reaches through
 * globals. Physical memory and the resident index, the object layer, the event bus and
 * counters, the pager registry, the page-level pmap operations, the policies, the ABI, and
 * the tables of processes, files and held address spaces (the walks of revoke and the
 * invariants read them). It sits below the map layer and knows nothing of system calls:
 * the system-call front (`sys/Kernel.ts`) owns one (`vm/MiKernel.ts`) and passes it down.
 */
export interface VmContext {
  /** The ABI the machine speaks (`freebsd`, `linux`, `openbsd`): errno names and flag bits. */
  readonly abi: string;
  /** Top of user address space (exclusive), from the arch's PmapFactory. */
  readonly userTop: number;
  readonly mem: PhysMem;
  readonly resident: ResidentIndex;
  readonly objects: VmObjects;
  readonly bus: EventBus;
  readonly counters: Counters;
  /** The arch's pmap factory (one pmap per vmspace). */
  readonly pmaps: PmapFactory;
  /** Page-level pmap operations (pmap_remove_all, pmap_remove_write, modified/referenced bits). */
  readonly pages: PageOps;
  /** The pager registry: anonymous memory's default pager and the vnode pager. */
  readonly anonPager: Pager;
  readonly vnodePager: Pager;
  /** The kernel's own address space (kernel processes share it). */
  readonly kernelVmspace: Vmspace;
  /** Processes by pid (reaped ones included until the pid is reused). */
  readonly procs: Map<number, Process>;
  /** Simulated files by path. */
  readonly files: Map<string, FileRecord>;
  /** Address spaces held by name (`hold`: ptrace, sysctl), by holder. */
  readonly holders: Map<string, Vmspace>;
  // --- policies (variation points bound by name; see policy/) ---------------------------
  readonly mapDeletePolicy: MapDeletePolicy;
  readonly exitPolicy: ExitPolicy;
  readonly madvisePolicy: MadvisePolicy;
  readonly pageDaemon: PageDaemon;
  readonly revokePolicy: RevokePolicy;
  /** Whether a fault that slept in its pager looks the map up again (the D15293 fix). */
  faultRevalidates: boolean;
  /** The pid whose address space this is (0 when none: held only, or the kernel's). */
  ownerOf(vms: Vmspace): number;
  /** A new, empty address space with a pmap of its own. */
  newVmspace(kernel: boolean): Vmspace;
}
