import { PAGE_SIZE } from '../abi/constants.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { VmContext } from '../vm/VmContext.ts';

/**
 * One fault's state (FreeBSD's struct faultstate in sys/vm/vm_fault.c), handed from step to
 * step of vm_fault instead of a dozen positional parameters: the request (where, what
 * access, which thread, flags), what the lookup found (the entry, the first object and
 * index, whether a debugger forces a copy), and where the walk of the shadow chain stands
 * (the object, index and frame of the page, the map timestamp seen before a sleep).
 *
 * A fault that completes without sleeping uses one shared record, taken and given back by
 * `vmFault` (no allocation on the common path). Sharing is safe because that part never
 * yields: no other simulated thread, and no other machine, runs until it returns. The
 * record is marked busy while in use, so a fault entered again from inside one (an event
 * subscriber that touches memory) gets a fresh record. A fault that sleeps hands a copy to
 * its continuation, which owns it while other threads run and fault with the shared one.
 */
export class FaultState {
  ctx: VmContext = null!;
  vms: Vmspace = null!;
  va = 0;
  access = 0;
  tid = 0;
  flags = 0;
  /** The map entry the lookup found. */
  e: VmMapEntry = null!;
  /** A debugger's write into a private read-only mapping (VM_PROT_COPY). */
  forced = false;
  /** The entry's object and the page's index in it (fs->first_object, fs->first_pindex). */
  first: VmObject = null!;
  firstIndex = 0;
  /** Where the walk found (or is bringing in) the page: object, index, frame. */
  obj: VmObject = null!;
  pi = 0;
  frame = -1;
  /** The map timestamp before pager I/O (a changed map restarts the fault). */
  stamp = 0;
  /** In use by a fault under way. */
  busy = false;
  /** Under the per-VMA lock instead of the map lock (`fault.lock: vma_lock*`). */
  vmaLocked = false;

  /** The page-aligned faulting address. */
  get vaPage(): number {
    return this.va - (this.va % PAGE_SIZE);
  }

  /** A copy owned by a continuation (a fault that sleeps). */
  copy(): FaultState {
    const c = new FaultState();
    c.ctx = this.ctx;
    c.vms = this.vms;
    c.va = this.va;
    c.access = this.access;
    c.tid = this.tid;
    c.flags = this.flags;
    c.e = this.e;
    c.forced = this.forced;
    c.first = this.first;
    c.firstIndex = this.firstIndex;
    c.obj = this.obj;
    c.pi = this.pi;
    c.frame = this.frame;
    c.stamp = this.stamp;
    c.vmaLocked = this.vmaLocked;
    c.busy = true;
    return c;
  }
}

const shared = new FaultState();

/** Takes the shared record (or a fresh one if a fault is under way) for a new fault. */
export function faultStateFor(ctx: VmContext, vms: Vmspace, va: number, access: number, tid: number, flags: number): FaultState {
  const fs = shared.busy ? new FaultState() : shared;
  fs.busy = true;
  fs.ctx = ctx;
  fs.vms = vms;
  fs.va = va;
  fs.access = access;
  fs.tid = tid;
  fs.flags = flags;
  fs.forced = false;
  fs.vmaLocked = false;
  fs.frame = -1;
  return fs;
}

/** Gives a record back (the shared one becomes free; references are dropped). */
export function releaseFaultState(fs: FaultState): void {
  fs.busy = false;
  fs.e = null!;
  fs.first = null!;
  fs.obj = null!;
  fs.vms = null!;
  fs.ctx = null!;
}
