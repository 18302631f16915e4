import type { LackeyCall } from './lackeySyscall.ts';
import type { LackeyProcess } from './LackeyProcess.ts';
import type { TraceOp, TracePos } from './TraceOp.ts';
import {
  CLONE_VFORK,
  CLONE_VM,
  MADV_VALUES,
  MAP_BITS,
  MCL_BITS,
  MLOCK_BITS,
  MREMAP_BITS,
  MS_BITS,
  PKEY_BITS,
  bitNames,
  parseNumber,
  valueName,
  vmProt,
} from './linuxAbi.ts';

const PAGE = 4096;
const roundUp = (x: number): number => Math.ceil(x / PAGE) * PAGE;

/** What a successful lackey call means to the reader. */
export type LackeyEffect =
  | { kind: 'ops'; ops: TraceOp[] }
  | { kind: 'fork'; child: number; how: 'fork' | 'vfork' | 'clone' }
  | { kind: 'thread'; tid: number }
  | { kind: 'exit'; status: number }
  | { kind: 'exec'; path: string }
  | { kind: 'bad'; reason: string }
  | { kind: 'unknown' };

/**
 * Decode a successful lackey system call (arguments printed as numbers, as valgrind's wrappers print them)
 * and keep the process's view of its mappings up to date.
 */
export function decodeLackeyCall(c: LackeyCall, value: number, p: LackeyProcess, at: TracePos): LackeyEffect {
  const n = (i: number): number | undefined => (c.args[i] === undefined ? undefined : parseNumber(c.args[i]!));
  const pid = p.pid;
  const bad = (): LackeyEffect => ({ kind: 'bad', reason: `cannot read the arguments "${c.args.join(', ')}"` });
  const ops = (...o: TraceOp[]): LackeyEffect => ({ kind: 'ops', ops: o });
  switch (c.name) {
    case 'mmap': {
      const [len, prot, flags, fd, off] = [n(1), n(2), n(3), n(4), n(5)];
      if (len === undefined || prot === undefined || flags === undefined || fd === undefined || off === undefined) return bad();
      const names = bitNames(MAP_BITS, flags);
      const anon = names.includes('MAP_ANONYMOUS');
      p.map(value, value + roundUp(len));
      const op: TraceOp = { op: 'mmap', pid, addr: value, len, prot: vmProt(prot), flags: names, fd: anon ? -1 : fd, offset: off, ...at };
      if (!anon) op.path = p.files.get(fd) ?? `file#${pid}.fd${fd}`;
      if (prot & 0x10) op.protExtra = 'bti';
      return ops(op);
    }
    case 'munmap': {
      const [addr, len] = [n(0), n(1)];
      if (addr === undefined || len === undefined) return bad();
      p.unmap(addr, addr + roundUp(len));
      return ops({ op: 'munmap', pid, addr, len, ...at });
    }
    case 'mprotect':
    case 'pkey_mprotect': {
      const [addr, len, prot] = [n(0), n(1), n(2)];
      if (addr === undefined || len === undefined || prot === undefined) return bad();
      // A range the process had on first touch is now described by a recorded call.
      p.map(addr, addr + roundUp(len));
      const op: TraceOp = { op: 'mprotect', pid, addr, len, prot: vmProt(prot), ...at };
      if (prot & 0x10) op.protExtra = 'bti';
      if (c.name === 'pkey_mprotect') op.pkey = n(3) ?? 0;
      return ops(op);
    }
    case 'madvise': {
      const [addr, len, adv] = [n(0), n(1), n(2)];
      if (addr === undefined || len === undefined || adv === undefined) return bad();
      return ops({ op: 'madvise', pid, addr, len, advice: valueName(MADV_VALUES, adv), ...at });
    }
    case 'brk': {
      const old = p.brk ?? value;
      if (p.brk !== undefined) {
        if (value > old) p.map(roundUp(old), roundUp(value));
        else if (value < old) p.unmap(roundUp(value), roundUp(old));
      }
      p.brk = value;
      return ops({ op: 'brk', pid, old, brk: value, ...at });
    }
    case 'mlock':
    case 'munlock':
    case 'mlock2': {
      const [addr, len] = [n(0), n(1)];
      if (addr === undefined || len === undefined) return bad();
      const flags = c.name === 'mlock2' ? bitNames(MLOCK_BITS, n(2) ?? 0) : [];
      return ops({ op: c.name === 'munlock' ? 'munlock' : 'mlock', pid, addr, len, flags, ...at });
    }
    case 'mlockall':
      return ops({ op: 'mlockall', pid, flags: bitNames(MCL_BITS, n(0) ?? 0), ...at });
    case 'munlockall':
      return ops({ op: 'munlockall', pid, ...at });
    case 'msync': {
      const [addr, len, fl] = [n(0), n(1), n(2)];
      if (addr === undefined || len === undefined || fl === undefined) return bad();
      return ops({ op: 'msync', pid, addr, len, flags: bitNames(MS_BITS, fl), ...at });
    }
    case 'mremap': {
      const [oldAddr, oldLen, newLen, fl] = [n(0), n(1), n(2), n(3)];
      if (oldAddr === undefined || oldLen === undefined || newLen === undefined || fl === undefined) return bad();
      const flags = bitNames(MREMAP_BITS, fl);
      if (!flags.includes('MREMAP_DONTUNMAP')) p.unmap(oldAddr, oldAddr + roundUp(oldLen));
      p.map(value, value + roundUp(newLen));
      return ops({ op: 'mremap', pid, oldAddr, oldLen, newLen, flags, newAddr: value, ...at });
    }
    case 'pkey_alloc':
      return ops({ op: 'pkey_alloc', pid, pkey: value, rights: bitNames(PKEY_BITS, n(1) ?? 0), ...at });
    case 'pkey_free':
      return ops({ op: 'pkey_free', pid, pkey: n(0) ?? value, ...at });
    case 'clone': {
      // valgrind prints the clone flags in hex without a prefix
      const flags = Number.parseInt(c.args[0] ?? '', 16);
      if (Number.isNaN(flags)) return bad();
      if ((flags & CLONE_VM) !== 0 && (flags & CLONE_VFORK) === 0) return { kind: 'thread', tid: value };
      return { kind: 'fork', child: value, how: flags & CLONE_VFORK ? 'vfork' : 'clone' };
    }
    case 'fork':
      return { kind: 'fork', child: value, how: 'fork' };
    case 'vfork':
      return { kind: 'fork', child: value, how: 'vfork' };
    case 'execve':
      return { kind: 'exec', path: c.paths.get(0) ?? '?' };
    case 'exit_group':
      return { kind: 'exit', status: n(0) ?? 0 };
    case 'exit':
      // a thread's exit; the process goes at exit_group (or where its log ends)
      return ops();
    case 'wait4':
      return value > 0 ? ops({ op: 'wait', pid, child: value, ...at }) : ops();
    case 'open':
    case 'openat':
    case 'creat': {
      const path = c.paths.get(c.name === 'openat' ? 1 : 0);
      if (path !== undefined) p.files.set(value, path);
      return ops();
    }
    case 'close': {
      const fd = n(0);
      if (fd !== undefined) p.files.delete(fd);
      return ops();
    }
    default:
      return { kind: 'unknown' };
  }
}
