import { type Outcome, type Run, runNow, type Thread } from '@vmlab/core';
import type { TraceExecutor } from './TraceExecutor.ts';
import { settle } from './TraceExecutor.ts';
import type { ImageFigures } from './TraceFigures.ts';
import type { TraceOp } from './TraceOp.ts';

const PAGE = 4096;
const roundUp = (x: number): number => Math.ceil(x / PAGE) * PAGE;
/** Traced files are made this large: a mapping never reaches past the end of the file it was recorded on. */
const FILE_SIZE = 2 ** 40;
/** Program images mapped on first touch are files whose offsets are the virtual addresses. */
const IMAGE_SIZE = 2 ** 48;

/** What replaying an operation gave: done (undefined), not replayed (and why), or refused by the kernel. */
export type ReplayResult = undefined | { skip: string } | { errno: string };

/** Linux advice → the simulated kernel's advice, or an inheritance change (DONTFORK and friends). */
const ADVICE: Record<string, string | { inherit: 'none' | 'copy' | 'zero' }> = {
  MADV_DONTNEED: 'dontneed',
  MADV_FREE: 'free',
  MADV_WILLNEED: 'willneed',
  MADV_FREE_REUSABLE: 'free_reusable',
  MADV_FREE_REUSE: 'free_reuse',
  MADV_DONTFORK: { inherit: 'none' },
  MADV_DOFORK: { inherit: 'copy' },
  MADV_WIPEONFORK: { inherit: 'zero' },
  MADV_KEEPONFORK: { inherit: 'copy' },
};

function check(o: Outcome): ReplayResult {
  const e = o as { errno?: string; error?: string };
  if (e.errno !== undefined) return { errno: e.errno };
  if (e.error !== undefined) return { errno: e.error };
  return undefined;
}

/** Replay one trace operation as the system call it recorded. */
export function replayOp(x: TraceExecutor, op: TraceOp): ReplayResult {
  const k = x.kernel;
  if (op.op === 'spawn') {
    const r = check(k.spawn(op.pid, false));
    if (r) return r;
    bind(x, op.pid, x.newImage(op.pid, op.path ?? '?'));
    return undefined;
  }
  if (op.op === 'release') return check(k.release(op.holder));
  if (op.op === 'debug_access') {
    const target = k.proc(op.pid);
    if (target === undefined) return { skip: 'debug_access of a process this machine never had' };
    return check(settle(k.debugAccess(target, op.addr, op.write, op.write ? 0x5a5a5a5a : undefined)));
  }
  const c = x.proc(op.pid);
  if (c === undefined) return { skip: `${op.op} of a process that is not running` };
  const { p, t } = c;
  switch (op.op) {
    case 'fork': {
      const r = check(settle(k.fork(p, t, op.child)));
      if (!r) bind(x, op.child, x.newImage(op.child, c.image.path));
      return r;
    }
    case 'thread':
      return check(k.thread(p, op.tid, t));
    case 'execve': {
      const r = check(k.execve(p, t));
      bind(x, op.pid, x.newImage(op.pid, op.path));
      x.pkeys.delete(op.pid);
      return r;
    }
    case 'exit': {
      const r = check(settle(k.exit(p, t)));
      x.setProc(op.pid, undefined);
      return r;
    }
    case 'wait': {
      // the kernel's wait reaps the exited child
      const child = k.proc(op.child);
      if (child === undefined) return { skip: 'wait for a child this machine never had' };
      return check(k.wait(child));
    }
    case 'mmap': {
      const shared = op.flags.includes('MAP_SHARED');
      const anon = op.flags.includes('MAP_ANONYMOUS');
      if (!anon) ensureFile(x, op.path ?? `file#${op.pid}.fd${op.fd}`, FILE_SIZE);
      const map = (protExtra: string): Outcome =>
        runNow(
          k.mmap(p, {
            addr: op.addr,
            len: op.len,
            prot: op.prot,
            protExtra,
            flags: [shared ? 'shared' : 'private', 'fixed', ...(anon ? ['anon'] : [])],
            thread: t,
            ...(anon ? {} : { file: op.path ?? `file#${op.pid}.fd${op.fd}`, offset: op.offset }),
          }),
        );
      return withExtra(x, op.protExtra, map);
    }
    case 'implicit_map': {
      if (op.upgrade) return check(runNow(k.mprotect(p, op.addr, op.len, op.prot, '', t)));
      const text = op.kind === 'text';
      const file = `image:${op.path ?? op.pid}`;
      if (text) ensureFile(x, file, IMAGE_SIZE);
      return check(
        runNow(
          k.mmap(p, {
            addr: op.addr,
            len: op.len,
            prot: op.prot,
            protExtra: '',
            flags: ['private', 'fixed', ...(text ? [] : ['anon'])],
            thread: t,
            ...(text ? { file, offset: op.addr } : {}),
          }),
        ),
      );
    }
    case 'munmap':
      return check(runNow(k.munmap(p, op.addr, op.len)));
    case 'mprotect':
      if (op.pkey !== undefined && op.pkey !== -1) {
        const key = x.pkeys.get(op.pid)?.get(op.pkey);
        if (key === undefined) {
          // the machine gave no key (it has none): the program falls back to plain mprotect
          x.noteNotReplayed('pkey_mprotect: no such key on this machine (plain mprotect)');
          return check(runNow(k.mprotect(p, op.addr, op.len, op.prot, '', t)));
        }
        return check(k.mdSyscall(p, t, 'pkey_mprotect', { addr: op.addr, len: op.len, prot: op.prot, key }));
      }
      return withExtra(x, op.protExtra, (extra) => runNow(k.mprotect(p, op.addr, op.len, op.prot, extra, t)));
    case 'madvise': {
      const a = ADVICE[op.advice];
      if (a === undefined) return { skip: `madvise ${op.advice}: no such advice in this kernel` };
      if (typeof a === 'object') return check(runNow(k.minherit(p, op.addr, roundUp(op.len), a.inherit)));
      return check(settle(k.madvise(p, t, op.addr, op.len, a)));
    }
    case 'brk':
      return brk(x, op.pid, op.brk);
    case 'mlock':
      return check(settle(k.mlock(p, t, op.addr, op.len)));
    case 'munlock':
      return check(runNow(k.munlock(p, op.addr, op.len)));
    case 'mlockall':
    case 'munlockall': {
      for (const e of [...p.vmspace.map.entries]) {
        const r = check(op.op === 'mlockall' ? settle(k.mlock(p, t, e.start, e.end - e.start)) : runNow(k.munlock(p, e.start, e.end - e.start)));
        if (r) return r;
      }
      return undefined;
    }
    case 'msync': {
      const names = op.flags.map((f) => (f === 'MS_ASYNC' ? 'async' : f === 'MS_SYNC' ? 'sync' : f === 'MS_INVALIDATE' ? 'invalidate' : f));
      return check(runNow(k.msync(p, op.addr, op.len, names)));
    }
    case 'mremap': {
      const mremap = (k as unknown as { mremap?: (...a: unknown[]) => Run<Outcome> }).mremap;
      if (typeof mremap !== 'function') return { skip: 'mremap: this kernel has no mremap' };
      return check(runNow(mremap.call(k, p, op.oldAddr, op.oldLen, op.newLen, op.flags, op.newAddr)));
    }
    case 'pkey_alloc': {
      const rights = op.rights.includes('PKEY_DISABLE_ACCESS') ? 'access' : op.rights.includes('PKEY_DISABLE_WRITE') ? 'write' : 'none';
      const th = op.tid === undefined ? t : (p.thread(op.tid) ?? t);
      const r = k.mdSyscall(p, th, 'pkey_alloc', { flags: 0, rights });
      const key = (r as { key?: number }).key;
      if (key === undefined) {
        const e = check(r) as { errno: string } | undefined;
        // ENOSPC with no key handed out before, ENOSYS, EOPNOTSUPP: the machine has no protection keys
        if (e && (e.errno === 'ENOSYS' || e.errno === 'EOPNOTSUPP' || (e.errno === 'ENOSPC' && !x.pkeys.has(op.pid))))
          return { skip: 'pkey_alloc: no protection keys on this machine' };
        return e;
      }
      let m = x.pkeys.get(op.pid);
      if (!m) {
        m = new Map();
        x.pkeys.set(op.pid, m);
      }
      m.set(op.pkey, key);
      return undefined;
    }
    case 'store': {
      const th = op.tid === undefined ? t : (p.thread(op.tid) ?? t);
      x.access(op.pid, op.addr - (op.addr % PAGE), 2, op.tid);
      return check(k.write(p, th, op.addr, op.value));
    }
    case 'hold':
      return check(k.hold(p, op.holder));
    case 'pkey_free': {
      const key = x.pkeys.get(op.pid)?.get(op.pkey);
      if (key === undefined) return { skip: 'pkey_free: no such key on this machine' };
      x.pkeys.get(op.pid)!.delete(op.pkey);
      return check(k.mdSyscall(p, t, 'pkey_free', { key }));
    }
  }
}

/**
 * A call with an MD protection: a machine that does not know it refuses it with EINVAL; the call is then
 * made without it and the extra is counted as not replayed.
 */
function withExtra(x: TraceExecutor, extra: string | undefined, call: (extra: string) => Outcome): ReplayResult {
  if (extra === undefined || extra === '') return check(call(''));
  const r = check(call(extra));
  if (r === undefined || (r as { errno: string }).errno !== 'EINVAL') return r;
  const again = check(call(''));
  if (again) return again;
  x.noteNotReplayed(`PROT ${extra}: not on this machine (mapped without it)`);
  return undefined;
}

/** Look up the process and its first live thread again (after spawn, fork, exec), with its image's figures. */
function bind(x: TraceExecutor, pid: number, image: ImageFigures): void {
  const p = x.kernel.proc(pid);
  if (p === undefined) return;
  let t: Thread | undefined;
  for (const th of p.threads.values()) {
    if (th.alive) {
      t = th;
      break;
    }
  }
  x.setProc(pid, t === undefined ? undefined : { pid, p, t, image });
}

function ensureFile(x: TraceExecutor, name: string, size: number): void {
  if (x.files.has(name)) return;
  x.files.add(name);
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  x.kernel.addFile(name, size, h >>> 0);
}

/**
 * brk: the kernel's break moves to `next` (kern_break: the heap entry grows or shrinks in place). The
 * first call of a process image sets where the heap starts.
 */
function brk(x: TraceExecutor, pid: number, next: number): ReplayResult {
  const c = x.proc(pid)!;
  return check(settle(x.kernel.obreak(c.p, next)));
}
