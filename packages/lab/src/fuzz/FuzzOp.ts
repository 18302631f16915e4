/**
 * Random workloads for `vmlab fuzz`: an operation list drawn from a seeded generator, and a
 * shadow model that turns it into a scenario whose steps carry the outcomes the semantics
 * determine:
 * - memory: values written and read back, zero fill, copy-on-write isolation after fork,
 *   shared mappings seen by every process, minherit (INHERIT_SHARE makes the child share
 *   the region, INHERIT_COPY gives parent and child copy-on-write copies), file fill, SIGSEGV on a write to a read-only
 *   page, SIGBUS after revoke (after MADV_FREE a word may be kept or zero);
 * - amd64 protection keys: the keys `sysarch set_pkru` assigns (with or without persist),
 *   each thread's PKRU set by `pkey_set` (a new thread copies its creator's), munmap
 *   dropping the non-persistent keys of the range (a persistent key stays on the unmapped
 *   range and applies to a later mapping there), fork copying keys and the forking thread's PKRU,
 *   execve clearing both, swapout keeping them; a read or write the rights deny is SIGSEGV
 *   with the key;
 * - address reuse: an `mmap` with `at` maps (MAP_FIXED) over a range the process unmapped
 *   before, so whatever an unmap left behind (a persistent key, or any key a legacy path
 *   forgot to drop) shows on the new mapping; keys are the pmap's, kept per process by
 *   address, and outlive the mapping when persistent;
 * - `mprotect` to `none` and `msync` (with or without MS_INVALIDATE) are physical removals:
 *   data and keys are kept; PROT_NONE makes every access SIGSEGV until the protection is
 *   raised again;
 * - arm64 BTI guards: `sysarch guard_page` over a region, kept by swapout and mprotect,
 *   copied by fork, dropped by munmap and execve; a `fetch` with `branch: call` onto a
 *   guarded executable page is SIGILL unless the word is a call landing pad.
 * `concurrent` steps race two kernel threads (a write fault against a fork of the same
 * process, a revoke against an munmap of a file mapping, a debugger's peek against exit);
 * the model asserts only what every interleaving gives (the child of a fork racing a
 * write may hold the old or the new word; a peek racing exit reads the word or EFAULT).
 * A model mismatch is a failed expectation; invariants catch the rest. Shrinking removes
 * operations (delta debugging) and re-derives the expectations from the model, so a shrunk
 * file fails for a reason of the machine, not of the cut; a concurrent operation carries the
 * schedule that made it fail.
 */

export type Prot = 'none' | 'r' | 'rw' | 'rx' | 'rwx';
export type Deny = 'none' | 'write' | 'access' | 'all';

export type FuzzOp =
  | { op: 'spawn'; pid: number }
  /** `at`: a fixed address inside a range this process unmapped (address reuse). */
  | { op: 'mmap'; pid: number; name: string; pages: number; shared: boolean; file: boolean; at?: number }
  | { op: 'write'; pid: number; name: string; page: number; word: number; value: number }
  | { op: 'read'; pid: number; name: string; page: number; word: number }
  | { op: 'fetch'; pid: number; name: string; page: number; word: number }
  | { op: 'munmap'; pid: number; name: string }
  /** `page`/`pages`: a sub-range (it clips the entry); without them the whole region. */
  | { op: 'mprotect'; pid: number; name: string; prot: Prot; page?: number; pages?: number }
  | { op: 'fork'; pid: number; child: number }
  /** minherit of an anonymous region: what the next fork gives the child. */
  | { op: 'minherit'; pid: number; name: string; inherit: 'share' | 'copy' }
  | { op: 'exit'; pid: number }
  | { op: 'execve'; pid: number }
  | { op: 'thread'; pid: number }
  | { op: 'swapout'; pid: number }
  | { op: 'pageout'; pid?: number; name?: string; pages?: number; page?: number; len?: number }
  | { op: 'madvise'; pid: number; name: string; advice: 'dontneed' | 'free' | 'willneed' }
  /** msync of the whole region; `invalidate`: MS_INVALIDATE (removes its translations). */
  | { op: 'msync'; pid: number; name: string; invalidate: boolean }
  | { op: 'key'; pid: number; name: string; key: number; persist?: boolean }
  | { op: 'pkey'; pid: number; key: number; deny: Deny }
  | { op: 'guard'; pid: number; name: string }
  | { op: 'revoke' }
  /** concurrent: thread 0 writes (tid 0), thread 1 forks the same process (tid 1). */
  | { op: 'race_fork'; pid: number; child: number; name: string; page: number; word: number; value: number; schedule?: number[] }
  /** concurrent: thread 0 revokes the file, thread 1 unmaps one of its mappings. */
  | { op: 'race_revoke'; pid: number; name: string; schedule?: number[] }
  /** concurrent: thread 0 is `by` peeking a word of `pid`, thread 1 is `pid` exiting. */
  | { op: 'race_exit'; pid: number; by: number; name: string; page: number; word: number; schedule?: number[] };

export const FUZZ_FILE = { path: '/fuzz/f', pages: 4, fill: 0x0f0f0f0f };
/** arm64 words that are landing pads for a call (BLR): BTI c, BTI jc, PACIASP. */
export const CALL_PADS = [0xd503245f, 0xd50324df, 0xd503233f];

export const isRace = (o: FuzzOp): o is Extract<FuzzOp, { schedule?: number[] }> => o.op === 'race_fork' || o.op === 'race_revoke' || o.op === 'race_exit';
