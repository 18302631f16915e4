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
/** With TRACE_EXEC: the fetch is the target of an indirect branch (BTI checks it). Generators set it. */
export const TRACE_BRANCH = 8;

/** The kind of a mapping that existed before the trace's first system call, created on first touch. */
export type ImplicitKind = 'text' | 'data' | 'stack';

export type TraceOp = TracePos &
  (
    | { op: 'spawn'; pid: number; path?: string }
    | {
        op: 'mmap';
        pid: number;
        addr: number;
        len: number;
        prot: number;
        flags: string[];
        fd: number;
        offset: number;
        /** The mapped file: its path when the trace recorded the open, else a name the reader derived. */
        path?: string;
        /** MD protection (`bti` for Linux arm64 PROT_BTI); a machine without it maps without it. */
        protExtra?: string;
      }
    | { op: 'munmap'; pid: number; addr: number; len: number }
    | { op: 'mprotect'; pid: number; addr: number; len: number; prot: number; pkey?: number; protExtra?: string }
    | { op: 'madvise'; pid: number; addr: number; len: number; advice: string }
    | { op: 'brk'; pid: number /** the break before the call */; old: number /** the break after it */; brk: number }
    | { op: 'mlock' | 'munlock'; pid: number; addr: number; len: number; flags: string[] }
    | { op: 'mlockall'; pid: number; flags: string[] }
    | { op: 'munlockall'; pid: number }
    | { op: 'msync'; pid: number; addr: number; len: number; flags: string[] }
    | { op: 'mremap'; pid: number; oldAddr: number; oldLen: number; newLen: number; flags: string[]; newAddr: number }
    | { op: 'pkey_alloc'; pid: number; pkey: number; rights: string[] /** the allocating thread (generators) */; tid?: number }
    | { op: 'pkey_free'; pid: number; pkey: number }
    | { op: 'fork'; pid: number; child: number; how: 'fork' | 'vfork' | 'clone' }
    | { op: 'thread'; pid: number; tid: number }
    | { op: 'execve'; pid: number; path: string }
    | { op: 'exit'; pid: number; status: number; signal?: string }
    | { op: 'wait'; pid: number; child: number }
    /** A debugger (or sysctl) takes a named reference on a process's vmspace, or drops it (generators). */
    | { op: 'hold'; pid: number; holder: string }
    | { op: 'release'; pid: number; holder: string }
    /** The process writes `value` to the word at addr (generators: a JIT writing a landing pad). */
    | { op: 'store'; pid: number; addr: number; value: number; tid?: number }
    /** A debugger reads or writes the word at addr of process pid (proc_rwmem; generators). */
    | { op: 'debug_access'; pid: number; addr: number; write: boolean }
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
 * (`va` is the page's address; `access` the TRACE_* bits). The thread is the process's first unless a
 * generator names one (`tid`; lackey does not record which thread made an access). `op` is called for every
 * system call that took effect.
 */
export interface TraceSink {
  access(pid: number, va: number, access: number, tid?: number): void;
  op(op: TraceOp): void;
  warn(w: TraceWarning): void;
}
