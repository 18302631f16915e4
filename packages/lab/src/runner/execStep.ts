/**
 * One step of a scenario performed through the kernel's system calls (SCENARIO.md
 * "Operations"): the step's operands resolved, the call made, its outcome returned. A
 * step that sleeps in the kernel yields (it runs as a kernel thread).
 */
import {
  Access,
  type Inherit,
  type KGen,
  type Kernel,
  type Machine,
  type PmapContext,
  PmapContextToken,
  runNow,
  runSerial,
  settle,
  type TlbModel,
} from '@vmlab/core';
import type { Step } from '../scenario/ast.ts';
import { checkStep } from './checkStep.ts';
import { generateStep } from './generateStep.ts';
import { touchStep } from './touchStep.ts';
import { RunError } from './RunReport.ts';
import { lenOf, procOf, protOf, resolveAddr, resolveAddr64, threadOf } from './stepArgs.ts';

/** Linux mremap flag bits (include/uapi/linux/mman.h). */
const MREMAP_BITS: Record<string, number> = { maymove: 1, fixed: 2, dontunmap: 4 };
/** mlockall's MCL_* bits (the same values on FreeBSD, OpenBSD and Linux). */
const MCL_BITS: Record<string, number> = { current: 1, future: 2, onfault: 4 };

/** A flag list (or the raw number) as bits. */
function bitsOf(v: unknown, tab: Record<string, number>): number {
  if (typeof v === 'number') return v;
  return ((v as string[] | undefined) ?? []).reduce((b, f) => b | (tab[f] ?? 0), 0);
}

/** The machine's TLB model (null on one CPU), looked up in its container once per machine. */
const tlbs = new WeakMap<Machine, TlbModel | null>();
function tlbOf(machine: Machine): TlbModel | null {
  let tlb = tlbs.get(machine);
  if (tlb === undefined) {
    tlb = machine.container.get<PmapContext>(PmapContextToken).tlb;
    tlbs.set(machine, tlb);
  }
  return tlb;
}

/**
 * Performs one step outside any thread (a serial step) and returns its outcome: what
 * `runSerial(execStep(machine, s))` returns. An aligned word `read` or `write` whose access
 * does not sleep completes without a generator (most of a replayed log); everything else
 * goes through `execStep`.
 */
export function execSerialStep(machine: Machine, s: Step): unknown {
  if (s.op !== 'read' && s.op !== 'write') return runSerial(execStep(machine, s));
  const k = machine.kernel;
  const a = s.args;
  const p = procOf(k, s);
  if (p === undefined || p.state !== 'running') return runSerial(execStep(machine, s));
  const t = threadOf(p, s);
  if (t === undefined) return runSerial(execStep(machine, s));
  const va = resolveAddr64(p, a.addr, s);
  if (a.size !== undefined && a.size !== 4) return runSerial(execStep(machine, s));
  if (typeof va !== 'number' || va % 4 !== 0) return runSerial(execStep(machine, s));
  const tlb = tlbOf(machine);
  if (tlb !== null) tlb.curCpu = t.cpu;
  const write = s.op === 'write';
  return runNow(k.accessWord(p, t, va, write ? Access.Write : Access.Read, write ? Number(a.value) : undefined));
}

/** Performs one step (not `concurrent`) on the machine; its outcome is the step's result. */
export function* execStep(machine: Machine, s: Step): KGen<unknown> {
  const k = machine.kernel;
  const a = s.args;
  switch (s.op) {
    case 'spawn':
      return k.spawn(a.pid as number, a.kernel === true, a.cpu as number | undefined);
    case 'context_switch':
      return k.contextSwitch(a.cpu as number);
    case 'check':
      return checkStep(k, s);
    case 'revoke':
      return yield* k.revoke(a.file as string, a.even_cows === true);
    case 'truncate':
      return k.truncate(a.file as string, a.size as number);
    case 'pageout':
      return yield* pageout(k, s);
    case 'release':
      return k.release(a.holder as string);
    case 'generate':
      return generateStep(machine, s);
    default:
      break;
  }
  const p = procOf(k, s);
  if (p === undefined) return k.errno('ESRCH');
  switch (s.op) {
    case 'wait':
      return k.wait(p);
    case 'hold':
      return k.hold(p, a.holder as string);
    case 'swapout':
      return yield* k.swapout(p);
    case 'peek':
    case 'poke': {
      const by = typeof a.by === 'number' ? k.proc(a.by) : undefined;
      if (typeof a.by === 'number' && by === undefined) return k.errno('ESRCH');
      if (p.state === 'zombie') return k.errno('EFAULT');
      return yield* k.debugAccess(p, resolveAddr(p, a.addr, s), s.op === 'poke', a.value as number | undefined);
    }
    case 'wrpkru':
      if (typeof a.by === 'number' && k.proc(a.by) === undefined) return k.errno('ESRCH');
      break;
    case 'process_mrelease': {
      // pid is the process the pidfd names (it may be dying); by is the caller.
      if (typeof a.by === 'number' && k.proc(a.by) === undefined) return k.errno('ESRCH');
      return yield* settle(k.processMrelease(p, (a.flags as number | undefined) ?? 0));
    }
    default:
      break;
  }
  if (p.state !== 'running') return k.errno('ESRCH');
  if (s.op === 'thread') {
    // The creating thread is `by`; `tid` names the new one.
    const by = p.thread((a.by as number | undefined) ?? 0);
    if (by === undefined) return k.errno('ESRCH');
    return k.thread(p, a.tid as number, by, a.cpu as number | undefined);
  }
  const t = threadOf(p, s);
  if (t === undefined) return k.errno('ESRCH');
  const tlb = tlbOf(machine);
  if (tlb !== null) tlb.curCpu = t.cpu;
  switch (s.op) {
    case 'thread_exit':
      return k.threadExit(p, t);
    case 'mmap': {
      const [prot, extra] = protOf(k, a.prot as string | number);
      const out = yield* settle(
        k.mmap(p, {
          ...(a.addr !== undefined ? { addr: resolveAddr64(p, a.addr, s) } : {}),
          len: a.len as number | bigint,
          prot,
          protExtra: extra,
          flags: a.flags as string[] | number,
          thread: t,
          ...(a.file !== undefined ? { file: a.file as string } : {}),
          ...(a.offset !== undefined ? { offset: a.offset as number | bigint } : {}),
        }),
      );
      if (out.ok === true && typeof a.as === 'string' && out.addr !== undefined) p.names.set(a.as, Number(out.addr));
      return out;
    }
    case 'munmap':
      return yield* settle(k.munmap(p, resolveAddr64(p, a.addr, s), a.len as number | bigint, t));
    case 'mprotect': {
      const [prot, extra] = protOf(k, a.prot as string | number);
      return yield* settle(k.mprotect(p, resolveAddr(p, a.addr, s), lenOf(a.len), prot, extra, t));
    }
    case 'minherit':
      return yield* settle(k.minherit(p, resolveAddr(p, a.addr, s), lenOf(a.len), a.inherit as Inherit, t));
    case 'mlock':
      return yield* k.mlock(p, t, resolveAddr(p, a.addr, s), lenOf(a.len));
    case 'munlock':
      return yield* settle(k.munlock(p, resolveAddr(p, a.addr, s), lenOf(a.len), t));
    case 'msync':
      return yield* settle(k.msync(p, resolveAddr(p, a.addr, s), lenOf(a.len), (a.flags as string[] | number | undefined) ?? [], t));
    case 'madvise':
      return yield* k.madvise(p, t, resolveAddr(p, a.addr, s), lenOf(a.len), a.advice as string);
    case 'sigaltstack':
      return k.sigaltstack(p, t, resolveAddr(p, a.addr, s), a.len as number);
    case 'sigdeliver':
      return yield* k.sendsig(p, t, a.sp !== undefined ? resolveAddr(p, a.sp, s) : undefined, a.onstack === true);
    case 'sigreturn':
      return k.sigreturn(t, a.pkru !== undefined ? { pkru: a.pkru as number } : {});
    case 'mlockall':
      return yield* k.mlockall(p, t, bitsOf(a.flags, MCL_BITS));
    case 'munlockall':
      return k.munlockall(p);
    case 'mlock2':
      return yield* k.mlock2(p, t, resolveAddr(p, a.addr, s), lenOf(a.len), bitsOf(a.flags, { onfault: 1 }));
    case 'mimmutable':
      return yield* settle(k.mimmutable(p, resolveAddr(p, a.addr, s), lenOf(a.len), t));
    case 'mseal':
      return yield* settle(k.mseal(p, resolveAddr(p, a.addr, s), lenOf(a.len), (a.flags as number | undefined) ?? 0, t));
    case 'mremap': {
      const bits = bitsOf(a.flags, MREMAP_BITS);
      const out = yield* settle(
        k.mremap(
          p,
          {
            addr: resolveAddr(p, a.addr, s),
            oldLen: lenOf(a.old_len),
            newLen: lenOf(a.new_len),
            flags: bits,
            ...(a.new_addr !== undefined ? { newAddr: resolveAddr(p, a.new_addr, s) } : {}),
          },
          t,
        ),
      );
      if (out.ok === true && typeof a.as === 'string' && out.addr !== undefined) p.names.set(a.as, Number(out.addr));
      return out;
    }
    case 'read':
    case 'write': {
      const va = resolveAddr64(p, a.addr, s);
      const size = (a.size as number | undefined) ?? 4;
      const write = s.op === 'write';
      // An aligned word: the word path (its fast translation and events).
      if (size === 4 && typeof va === 'number' && va % 4 === 0) {
        return yield* k.accessStep(p, t, va, write ? Access.Write : Access.Read, write ? Number(a.value) : undefined);
      }
      return yield* k.accessBytes(p, t, va, size, write, a.value as number | bigint | undefined);
    }
    case 'fetch':
      return yield* k.accessStep(p, t, resolveAddr(p, a.addr, s), Access.Execute, undefined, (a.branch as 'direct' | 'call' | 'jump' | undefined) ?? 'direct');
    case 'copyin':
      return yield* k.copy(p, t, resolveAddr(p, a.addr, s), false);
    case 'copyout':
      return yield* k.copy(p, t, resolveAddr(p, a.addr, s), true, a.value as number | undefined);
    case 'fork':
      return yield* k.fork(p, t, a.child as number);
    case 'execve':
      return k.execve(p, t);
    case 'exit':
      return yield* k.exit(p, t);
    case 'touch':
      return yield* touchStep(machine, p, t, s);
    case 'sysarch':
    case 'pkey_set':
    case 'wrpkru':
    case 'pkey_alloc':
    case 'pkey_free':
    case 'pkey_mprotect': {
      const md: Record<string, unknown> = { ...a };
      if (a.addr !== undefined) md.addr = resolveAddr(p, a.addr, s);
      if (typeof a.prot === 'string' || typeof a.prot === 'number') {
        const [prot, extra] = protOf(k, a.prot);
        md.prot = prot;
        md.protExtra = extra;
      }
      if (s.op === 'wrpkru' && typeof a.by === 'number') md.byProcess = k.proc(a.by);
      return k.mdSyscall(p, t, s.op, md);
    }
    default:
      throw new RunError(`operation '${s.op}' is not supported by this machine`, s.pos);
  }
}

function* pageout(k: Kernel, s: Step): KGen<unknown> {
  const a = s.args;
  if (a.pid !== undefined) {
    const p = procOf(k, s);
    if (p === undefined) return k.errno('ESRCH');
    if (a.addr !== undefined) return yield* k.pageout({ p, start: resolveAddr(p, a.addr, s), len: a.len as number });
    return yield* k.pageout({ p, pages: a.pages as number | undefined });
  }
  return yield* k.pageout({ pages: a.pages as number | undefined });
}
