import type { TraceOp, TracePos } from './TraceOp.ts';
import type { ProcessTable } from './ProcessTable.ts';
import {
  MADV_VALUES,
  MAP_BITS,
  MCL_BITS,
  MLOCK_BITS,
  MREMAP_BITS,
  MS_BITS,
  PKEY_BITS,
  PROT_BITS,
  flagValue,
  parseFlagNames,
  parseNumber,
  valueName,
  vmProt,
} from './linuxAbi.ts';
import { unquote } from './straceSyntax.ts';

/**
 * Decode one successful strace call into trace operations. Returns the operations (possibly none: the call
 * only updates the reader's state), a reason string when the arguments cannot be read, or 'unknown'.
 */
export function decodeStraceCall(
  name: string,
  args: string[],
  ret: number | undefined,
  pid: number,
  procs: ProcessTable,
  at: TracePos,
): TraceOp[] | string | 'unknown' {
  const num = (i: number): number | undefined => (args[i] === undefined ? undefined : parseNumber(args[i]!));
  const need = (n: number): string | undefined => (args.length < n ? `expected ${n} arguments, found ${args.length}` : undefined);
  const range = (): { addr: number; len: number } | string => {
    const addr = num(0);
    const len = num(1);
    if (addr === undefined || len === undefined) return `cannot read the address and length "${args[0]}, ${args[1]}"`;
    return { addr, len };
  };
  const p = procs.get(pid);
  switch (name) {
    case 'mmap':
    case 'mmap2': {
      const bad = need(6);
      if (bad) return bad;
      const len = num(1);
      const prot = parseFlagNames(PROT_BITS, args[2]!);
      const flags = parseFlagNames(MAP_BITS, args[3]!);
      const fd = num(4);
      const off = num(5);
      if (len === undefined || prot === undefined || flags === undefined || fd === undefined || off === undefined || ret === undefined)
        return `cannot read the arguments "${args.join(', ')}"`;
      const offset = name === 'mmap2' ? off * 4096 : off;
      const anon = flags.includes('MAP_ANONYMOUS');
      const op: TraceOp = { op: 'mmap', pid, addr: ret, len, prot: vmProt(flagValue(PROT_BITS, prot)), flags, fd: anon ? -1 : fd, offset, ...at };
      if (prot.includes('PROT_BTI')) op.protExtra = 'bti';
      p?.mapped.add(ret, ret + Math.ceil(len / 4096) * 4096);
      if (!anon && p) op.path = fileOf(p.files, pid, fd, offset, len, flags.includes('MAP_FIXED'));
      return [op];
    }
    case 'munmap': {
      const r = range();
      if (typeof r === 'string') return r;
      p?.mapped.remove(r.addr, r.addr + Math.ceil(r.len / 4096) * 4096);
      return [{ op: 'munmap', pid, ...r, ...at }];
    }
    case 'mprotect':
    case 'pkey_mprotect': {
      const r = range();
      if (typeof r === 'string') return r;
      const prot = args[2] === undefined ? undefined : parseFlagNames(PROT_BITS, args[2]);
      if (prot === undefined) return `cannot read the protection "${args[2]}"`;
      const op: TraceOp = { op: 'mprotect', pid, ...r, prot: vmProt(flagValue(PROT_BITS, prot)), ...at };
      if (prot.includes('PROT_BTI')) op.protExtra = 'bti';
      procs.ensureMapped(pid, r.addr, r.len, op.prot, at);
      if (name === 'pkey_mprotect') {
        const key = num(3);
        if (key === undefined) return `cannot read the key "${args[3]}"`;
        op.pkey = key;
      }
      return [op];
    }
    case 'madvise': {
      const r = range();
      if (typeof r === 'string') return r;
      const a = args[2]?.trim() ?? '';
      const v = parseNumber(a);
      const advice = v !== undefined ? valueName(MADV_VALUES, v) : a;
      if (!/^MADV_[A-Z_]+$/.test(advice)) return `unknown advice "${a}"`;
      procs.ensureMapped(pid, r.addr, r.len, 1, at);
      return [{ op: 'madvise', pid, ...r, advice, ...at }];
    }
    case 'brk':
      if (ret === undefined || !p) return 'no return value';
      procs.brk(pid, ret, at);
      return [];
    case 'mlock':
    case 'munlock':
    case 'mlock2': {
      const r = range();
      if (typeof r === 'string') return r;
      const flags = name === 'mlock2' ? parseFlagNames(MLOCK_BITS, args[2] ?? '0') : [];
      if (!flags) return `cannot read the flags "${args[2]}"`;
      procs.ensureMapped(pid, r.addr, r.len, 1, at);
      return [{ op: name === 'munlock' ? 'munlock' : 'mlock', pid, ...r, flags, ...at }];
    }
    case 'mlockall': {
      const flags = parseFlagNames(MCL_BITS, args[0] ?? '');
      return flags ? [{ op: 'mlockall', pid, flags, ...at }] : `cannot read the flags "${args[0]}"`;
    }
    case 'munlockall':
      return [{ op: 'munlockall', pid, ...at }];
    case 'msync': {
      const r = range();
      if (typeof r === 'string') return r;
      const flags = parseFlagNames(MS_BITS, args[2] ?? '');
      if (flags) procs.ensureMapped(pid, r.addr, r.len, 1, at);
      return flags ? [{ op: 'msync', pid, ...r, flags, ...at }] : `cannot read the flags "${args[2]}"`;
    }
    case 'mremap': {
      const bad = need(4);
      if (bad) return bad;
      const oldAddr = num(0);
      const oldLen = num(1);
      const newLen = num(2);
      const flags = parseFlagNames(MREMAP_BITS, args[3]!);
      if (oldAddr === undefined || oldLen === undefined || newLen === undefined || !flags || ret === undefined)
        return `cannot read the arguments "${args.join(', ')}"`;
      procs.ensureMapped(pid, oldAddr, oldLen, 3, at);
      if (!flags.includes('MREMAP_DONTUNMAP')) p?.mapped.remove(oldAddr, oldAddr + Math.ceil(oldLen / 4096) * 4096);
      p?.mapped.add(ret, ret + Math.ceil(newLen / 4096) * 4096);
      return [{ op: 'mremap', pid, oldAddr, oldLen, newLen, flags, newAddr: ret, ...at }];
    }
    case 'pkey_alloc': {
      const rights = parseFlagNames(PKEY_BITS, args[1] ?? '0');
      if (!rights || ret === undefined) return `cannot read the arguments "${args.join(', ')}"`;
      return [{ op: 'pkey_alloc', pid, pkey: ret, rights, ...at }];
    }
    case 'pkey_free': {
      const key = num(0);
      return key === undefined ? `cannot read the key "${args[0]}"` : [{ op: 'pkey_free', pid, pkey: key, ...at }];
    }
    case 'execve':
    case 'execveat': {
      const path = unquote(args[name === 'execve' ? 0 : 1] ?? '');
      if (path === undefined) return `cannot read the path "${args[0]}"`;
      if (p) p.files.clear();
      procs.exec(pid, path, at);
      return [];
    }
    case 'exit_group':
      procs.exit(pid, num(0) ?? 0, at);
      return [];
    case 'exit':
      // A thread's exit; a process goes with its last thread ("+++ exited").
      return [];
    case 'wait4': {
      if (ret === undefined || ret <= 0) return [];
      return [{ op: 'wait', pid, child: ret, ...at }];
    }
    case 'waitid': {
      const m = /si_pid=(\d+)/.exec(args.join(', '));
      return m ? [{ op: 'wait', pid, child: Number(m[1]), ...at }] : [];
    }
    case 'open':
    case 'openat':
    case 'creat': {
      const path = unquote(args[name === 'openat' ? 1 : 0] ?? '');
      if (p && path !== undefined && ret !== undefined && ret >= 0) p.files.set(ret, path);
      return [];
    }
    case 'close': {
      const fd = num(0);
      if (p && fd !== undefined) p.files.delete(fd);
      return [];
    }
    default:
      return 'unknown';
  }
}

/**
 * The file an mmap of `fd` maps. A path when the trace recorded the open; otherwise (a trace of %memory and
 * %process only) a name derived from the length of the file's first whole mapping, as the dynamic loader
 * maps a library whole at offset 0 before placing its segments with MAP_FIXED: `file#<len>`. The same
 * library mapped by two processes gets the same name, so its pages are shared as in a page cache.
 */
function fileOf(files: Map<number, string>, pid: number, fd: number, offset: number, len: number, fixed: boolean): string {
  const known = files.get(fd);
  if (known !== undefined && !known.startsWith('file#')) return known;
  if (!fixed && offset === 0) {
    const name = `file#${len}`;
    files.set(fd, name);
    return name;
  }
  return known ?? `file#${pid}.fd${fd}`;
}
