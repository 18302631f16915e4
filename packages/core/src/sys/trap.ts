import { Access, PAGE_SIZE } from '../abi/constants.ts';
import { OK, type Outcome, type SignalInfo, errno } from '../abi/outcome.ts';
import { FaultResult, type FaultRun, vmFault } from '../fault/vmFault.ts';
import { MD_FAULT, NEEDS_FAULT } from '../pmap/Pmap.ts';
import type { Process, Thread } from '../proc/Process.ts';
import { type KGen, type Run, isKGen, runNow, settle } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { emitFault } from '../events/emit.ts';
import { outOfBoundsCode } from '../abi/faultSignal.ts';

/**
 * User memory access (FreeBSD sys/amd64/amd64/trap.c trap_pfault, and copyin/copyout):
 * the hardware translation first (the pmap's `translate`), a fault into the VM when it
 * misses, the access retried; a fault that fails becomes the signal the ABI gives. Paths
 * that may sleep return the `Run` of sched/KGen.ts (the value, or the continuation).
 */

type Branch = 'direct' | 'call' | 'jump';

/**
 * A fault result as the signal the process gets (trap_pfault's signal and code); past the
 * end of a file object the code is the ABI's (abi/faultSignal.ts).
 */
export function signalFor(r: FaultResult, va: number, abi = 'freebsd'): SignalInfo | Outcome {
  switch (r) {
    case FaultResult.NoEntry:
      return { signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: va };
    case FaultResult.Protection:
      return { signal: 'SIGSEGV', code: 'SEGV_ACCERR', addr: va };
    case FaultResult.NoPage:
      return { signal: 'SIGBUS', code: 'BUS_ADRERR', addr: va };
    case FaultResult.PagerError:
      return { signal: 'SIGBUS', code: 'BUS_OBJERR', addr: va };
    case FaultResult.OutOfBounds:
      return { signal: 'SIGBUS', code: outOfBoundsCode(abi), addr: va };
    default:
      return { error: `out of physical memory at 0x${va.toString(16)}` };
  }
}

/**
 * A user access by thread t at va: the hardware translation first; a fault enters the
 * VM and the access is retried. Returns the frame, or the outcome (a signal) it became;
 * when the fault must sleep, the continuation that finishes the access.
 */
export function access(k: Kernel, p: Process, t: Thread, va: number, acc: number, branch?: Branch, tries = 0, missed = false): Run<number | Outcome> {
  if (va % 4 !== 0) return { signal: 'SIGBUS', code: 'BUS_ADRALN', addr: va };
  if (va < 0 || va >= k.userTop) return { signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: va };
  const vms = p.vmspace;
  for (; tries < 4; tries++) {
    // `missed`: the caller's translation already found no usable PTE (skip repeating it once).
    const f = missed ? NEEDS_FAULT : vms.pmap.translate(va, acc, t, branch);
    missed = false;
    if (f >= 0) return f;
    if (f === MD_FAULT) return { ...vms.pmap.mdFault(), addr: va } as Outcome;
    const r = vmFault(k.vm, vms, va, acc, t.tid, 0);
    if (isKGen(r)) return accessAfterSleep(k, r, p, t, va, acc, branch, tries);
    const out = faultDone(k, p, t, va, acc, r);
    if (out !== undefined) return out;
  }
  return { error: `fault at 0x${va.toString(16)} did not resolve` };
}

/** The rest of an access whose fault sleeps: finish the fault, then retry the access. */
function* accessAfterSleep(
  k: Kernel,
  g: KGen<FaultResult>,
  p: Process,
  t: Thread,
  va: number,
  acc: number,
  branch: Branch | undefined,
  tries: number,
): KGen<number | Outcome> {
  const r = yield* g;
  const out = faultDone(k, p, t, va, acc, r);
  if (out !== undefined) return out;
  return yield* settle(access(k, p, t, va, acc, branch, tries + 1));
}

/** Records a handled fault (the `fault` event); the signal it became, or undefined when the access retries. */
function faultDone(k: Kernel, p: Process, t: Thread, va: number, acc: number, r: FaultResult): Outcome | undefined {
  emitFault(k.bus, p.pid, t.tid, va, acc, r === FaultResult.Success);
  return r === FaultResult.Success ? undefined : (signalFor(r, va, k.abi) as Outcome);
}

/**
 * A serial user access's frame when the translation is not usable as it stands (a fault to
 * take, a signal, a bad address): Kernel.read and Kernel.write test the present-translation
 * case inline, so they stay small enough for V8 to inline whole into a caller's loop, and
 * come here otherwise. `f` is what the translation returned (-1 for a bad address).
 */
export function frameMiss(k: Kernel, p: Process, t: Thread, va: number, acc: number, f: number): number | Outcome {
  return runNow(f === NEEDS_FAULT ? access(k, p, t, va, acc, undefined, 0, true) : access(k, p, t, va, acc));
}

/** The word behind a frame, or the access's outcome, as a step outcome. */
export function* accessStep(k: Kernel, p: Process, t: Thread, va: number, acc: number, value?: number, branch?: Branch): KGen<Outcome> {
  return yield* settle(accessWord(k, p, t, va, acc, value, branch));
}

/**
 * `accessStep` as a `Run`: the outcome itself when the access did not sleep (no generator
 * is made on that path, the one a replayed log takes for almost every command), else the
 * continuation that finishes it.
 */
export function accessWord(k: Kernel, p: Process, t: Thread, va: number, acc: number, value?: number, branch?: Branch): Run<Outcome> {
  const r = access(k, p, t, va, acc, branch);
  if (isKGen(r)) return wordAfterSleep(k, r, va, acc, value);
  return typeof r !== 'number' ? r : wordAccess(k, r, va, acc === Access.Write, value);
}

function* wordAfterSleep(k: Kernel, g: KGen<number | Outcome>, va: number, acc: number, value: number | undefined): KGen<Outcome> {
  const r = yield* g;
  return typeof r !== 'number' ? r : wordAccess(k, r, va, acc === Access.Write, value);
}

/** Reads or writes the 32-bit word at va's offset in a frame. */
export function wordAccess(k: Kernel, frame: number, va: number, write: boolean, value: number | undefined): Outcome {
  const w = (va % PAGE_SIZE) >>> 2;
  if (write) {
    k.mem.contents.write(frame, w, (value ?? 0) >>> 0);
    return OK;
  }
  return { value: k.mem.contents.read(frame, w) };
}

/** copyin / copyout: the kernel touches user memory for t's system call; any fault is EFAULT. */
export function* copy(k: Kernel, p: Process, t: Thread, va: number, write: boolean, value?: number): KGen<Outcome> {
  const acc = write ? Access.Write : Access.Read;
  if (va % 4 !== 0 || va < 0 || va >= k.userTop) return errno('EFAULT');
  const vms = p.vmspace;
  for (let tries = 0; tries < 4; tries++) {
    const f = vms.pmap.translate(va, acc, t);
    if (f >= 0 || f === MD_FAULT) {
      if (!vms.pmap.kernelAccessAllowed(va, acc, t)) return errno('EFAULT');
      const frame = f >= 0 ? f : vms.pmap.extract(va);
      return frame < 0 ? errno('EFAULT') : wordAccess(k, frame, va, write, value);
    }
    const r: FaultRun = vmFault(k.vm, vms, va, acc, t.tid, 0);
    if ((yield* settle(r)) !== FaultResult.Success) return errno('EFAULT');
  }
  return errno('EFAULT');
}
