import { OK, type Outcome, errno } from '../abi/outcome.ts';
import type { Process, SigFrame, Thread } from '../proc/Process.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { copy } from './trap.ts';

/**
 * Signal delivery, as far as memory and protection keys see it (FreeBSD
 * sys/amd64/amd64/exec_machdep.c sendsig / sys_sigreturn, Linux arch/x86/kernel/signal.c
 * and fpu/signal.c, OpenBSD sendsig): the kernel writes a frame on the thread's stack or
 * its alternate stack, with the interrupted thread's MD state saved in it (amd64: PKRU,
 * SEMANTICS T1.5/T6.10), the handler starts with the state the arch gives it, and
 * sigreturn restores the saved state, as the handler may have edited it. No handler code
 * runs: the steps between `sigdeliver` and `sigreturn` are the handler's.
 */

/** Bytes below the top of the stack where the modelled frame's first word lies. */
const FRAME_OFFSET = 0x40;

/** sigaltstack: len 0 disables the alternate stack (SS_DISABLE). */
export function sigaltstack(k: Kernel, p: Process, t: Thread, addr: number, len: number): Outcome {
  if (p.kernel) return errno('EINVAL');
  if (len === 0) {
    t.altStack = null;
    return OK;
  }
  if (addr + len > k.userTop) return errno('EINVAL');
  t.altStack = { addr, len };
  return OK;
}

/**
 * sendsig: a frame on the alternate stack (`onstack` with one set) or at `sp` (the thread's
 * stack pointer, a user address). A frame the kernel cannot write kills the process as the
 * ABI's kernel does (FreeBSD and OpenBSD sigexit(SIGILL), Linux force_sigsegv): the outcome
 * is that signal, and the thread's state is left as it was.
 */
export function* sendsig(k: Kernel, p: Process, t: Thread, sp: number | undefined, onstack: boolean): KGen<Outcome> {
  const alt = onstack && t.altStack !== null;
  if (!alt && sp === undefined) return errno('EINVAL');
  const top = alt ? t.altStack!.addr + t.altStack!.len : sp!;
  const frame: SigFrame = { addr: top - FRAME_OFFSET, onAltStack: alt, md: {} };
  for (const a of k.archOps) a.sigFrame?.(k, t, 'save', frame);
  const w = yield* copy(k, p, t, frame.addr, true, 0);
  if (w.ok !== true) {
    for (const a of k.archOps) a.sigFrame?.(k, t, 'restore', frame);
    const sig = k.abi === 'linux' ? { signal: 'SIGSEGV', code: 'SI_KERNEL' } : { signal: 'SIGILL', code: 'ILL_ILLOPC' };
    return { ...sig, addr: frame.addr } as Outcome;
  }
  for (const a of k.archOps) a.sigFrame?.(k, t, 'enter', frame);
  t.sigFrames.push(frame);
  return { ok: true, addr: frame.addr };
}

/** sigreturn: the innermost frame's saved state comes back (with a handler's edits). */
export function sigreturn(k: Kernel, t: Thread, edited: Readonly<Record<string, number>>): Outcome {
  const frame = t.sigFrames.pop();
  if (frame === undefined) return errno('EINVAL');
  for (const a of k.archOps) a.sigFrame?.(k, t, 'restore', frame, edited);
  return OK;
}
