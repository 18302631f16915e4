/**
 * What a trace reader hands its consumer: the memory and process system calls of a recorded run, in the
 * order they took effect, and the accesses between them (collapsed by page).
 *
 * Addresses and lengths are as recorded. Protections use the vm_prot bits (read 1, write 2, execute 4);
 * mmap flags, madvise advice and the like are Linux names (`MAP_PRIVATE`, `MADV_DONTNEED`), decoded from
 * numbers where the trace records numbers (lackey).
 */

/** Where a record came from: file and 1-based line. */
export interface TracePos {
  file: string;
  line: number;
}

/** Access bits of an access record (the same values as vm_prot and core's `Access`). */
export const TRACE_READ = 1;
export const TRACE_WRITE = 2;
export const TRACE_EXEC = 4;

/** The kind of a mapping that existed before the trace's first system call, created on first touch. */
export type ImplicitKind = 'text' | 'data' | 'stack';

export type TraceOp = TracePos &
  (
    | { op: 'spawn'; pid: number; path?: string }
    | { op: 'mmap'; pid: number; addr: number; len: number; prot: number; flags: string[]; fd: number; offset: number; file?: string }
    | { op: 'munmap'; pid: number; addr: number; len: number }
    | { op: 'mprotect'; pid: number; addr: number; len: number; prot: number; pkey?: number }
    | { op: 'madvise'; pid: number; addr: number; len: number; advice: string }
    | { op: 'brk'; pid: number; /** the break before the call */ old: number; /** the break after it */ brk: number }
    | { op: 'mlock' | 'munlock'; pid: number; addr: number; len: number; flags: string[] }
    | { op: 'mlockall'; pid: number; flags: string[] }
    | { op: 'munlockall'; pid: number }
    | { op: 'msync'; pid: number; addr: number; len: number; flags: string[] }
    | { op: 'mremap'; pid: number; oldAddr: number; oldLen: number; newLen: number; flags: string[]; newAddr: number }
    | { op: 'pkey_alloc'; pid: number; pkey: number; rights: string[] }
    | { op: 'pkey_free'; pid: number; pkey: number }
    | { op: 'fork'; pid: number; child: number; how: 'fork' | 'vfork' | 'clone' }
    | { op: 'thread'; pid: number; tid: number }
    | { op: 'execve'; pid: number; path: string }
    | { op: 'exit'; pid: number; status: number; signal?: string }
    | { op: 'wait'; pid: number; child: number }
    | {
        op: 'implicit_map';
        pid: number;
        addr: number;
        len: number;
        kind: ImplicitKind;
        prot: number;
        /** True when the page was already implicitly mapped and only gains a protection bit. */
        upgrade: boolean;
        path?: string;
      }
  );

export type TraceOpName = TraceOp['op'];

/** A problem in the trace that the reader skipped over. */
export interface TraceWarning extends TracePos {
  message: string;
}

/**
 * The consumer of a trace. `access` is the hot path: one call per collapsed run of accesses to one page
 * (`count` accesses; `va` is the page's address). `op` is called for every system call that took effect.
 */
export interface TraceSink {
  access(pid: number, va: number, access: number, count: number): void;
  op(op: TraceOp): void;
  warn(w: TraceWarning): void;
}
