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
 * `concurrent` steps race kernel threads (a write fault against a fork of the same
 * process, a revoke against an munmap of a file mapping, a debugger's peek against exit;
 * on machines that run them (RaceKind): a read fault against an munmap, a fork against two
 * threads writing one page, mremap of a file mapping against truncate and another process's
 * fault, process_mrelease against exit, msync against a file fault and an mmap, a fault
 * against fork's collapse of its backing object, a forced write (`poke`) into a private
 * read-only file mapping against MADV_DONTNEED);
 * the model asserts only what every interleaving gives (the child of a fork racing a
 * write may hold the old or the new word; a peek racing exit reads the word or EFAULT; a
 * read racing munmap reads the word or SIGSEGV; process_mrelease is 0 or EINVAL). A file
 * truncated to 0 is gone as after revoke (SIGBUS), except that a page's protection is
 * checked first.
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
  /** `tid`: the thread that writes or reads (thread 0 without it). */
  | { op: 'write'; pid: number; name: string; page: number; word: number; value: number; tid?: number }
  | { op: 'read'; pid: number; name: string; page: number; word: number; tid?: number }
  | { op: 'fetch'; pid: number; name: string; page: number; word: number }
  | { op: 'munmap'; pid: number; name: string }
  /** `page`/`pages`: a sub-range (it clips the entry); without them the whole region. */
  | { op: 'mprotect'; pid: number; name: string; prot: Prot; page?: number; pages?: number }
  | { op: 'fork'; pid: number; child: number }
  /** minherit of an anonymous region: what the next fork gives the child. */
  | { op: 'minherit'; pid: number; name: string; inherit: 'share' | 'copy' }
  | { op: 'exit'; pid: number }
  | { op: 'execve'; pid: number }
  /** A new thread: tid 1, or `tid` (2 after 1). */
  | { op: 'thread'; pid: number; tid?: number }
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
  | { op: 'race_exit'; pid: number; by: number; name: string; page: number; word: number; schedule?: number[] }
  /** concurrent: thread 0 reads a word of the region, thread 1 unmaps it (the fault fast path against munmap). */
  | { op: 'race_munmap'; pid: number; name: string; page: number; word: number; schedule?: number[] }
  /**
   * concurrent, three threads of `pid`: thread 0 forks, thread 1 and thread 2 each write a
   * word of the same page (a copy-on-write fault against dup_mmap; a stale TLB entry).
   */
  | {
      op: 'race_fork3';
      pid: number;
      child: number;
      name: string;
      page: number;
      word1: number;
      value1: number;
      word2: number;
      value2: number;
      schedule?: number[];
    }
  /**
   * concurrent (abi linux): thread 0 mremaps the file region `name` over the anonymous region
   * `to` of the same size (MREMAP_MAYMOVE|MREMAP_FIXED; the moved region takes `to`'s name);
   * thread 1 truncates the file to 0 and process `by` writes a word of its region `byName`;
   * thread 1 of `pid` reads the old address.
   */
  | { op: 'race_mremap'; pid: number; name: string; to: string; by: number; byName: string; value: number; page: number; schedule?: number[] }
  /** concurrent (abi linux): thread 0 is `pid` exiting, thread 1 is `by` calling process_mrelease on it. */
  | { op: 'race_mrelease'; pid: number; by: number; schedule?: number[] }
  /**
   * concurrent, three threads of `pid` (uvm_map_clean under abi openbsd): thread 0 reads a
   * word of the file region, thread 1 msyncs it (MS_SYNC), thread 2 maps `fresh` (anonymous, 1 page).
   */
  | { op: 'race_clean'; pid: number; name: string; page: number; word: number; fresh: string; schedule?: number[] }
  /**
   * concurrent (FreeBSD D6085): `c2` and `c3` are forks of `pid` sharing the region `name`'s
   * objects; thread 0 is `c3` reading a word of `page`, thread 1 is `c2` exiting then `pid`
   * (its thread 1) forking `c4`, thread 2 is `c3`'s thread 1 reading the same word.
   */
  | { op: 'race_collapse'; pid: number; c2: number; c3: number; c4: number; name: string; page: number; word: number; schedule?: number[] }
  /**
   * concurrent (abi linux, Dirty COW): `pid` maps page 0 of the file private and read-only as
   * `fresh`; thread 0 is a debugger's `poke` of `value` into it (a forced write), thread 1 of
   * `pid` calls madvise(MADV_DONTNEED) on it; then `fresh` is unmapped.
   */
  | { op: 'race_cow'; pid: number; fresh: string; word: number; value: number; schedule?: number[] };

export const FUZZ_FILE = { path: '/fuzz/f', pages: 4, fill: 0x0f0f0f0f };
/** arm64 words that are landing pads for a call (BLR): BTI c, BTI jc, PACIASP. */
export const CALL_PADS = [0xd503245f, 0xd50324df, 0xd503233f];

const RACES = new Set<string>([
  'race_fork',
  'race_revoke',
  'race_exit',
  'race_munmap',
  'race_fork3',
  'race_mremap',
  'race_mrelease',
  'race_clean',
  'race_collapse',
  'race_cow',
]);
export const isRace = (o: FuzzOp): o is Extract<FuzzOp, { schedule?: number[] }> => RACES.has(o.op);

/**
 * The race kinds beyond the first three, each drawn only on a machine that can run it
 * (generateOps' `races`): `munmap` (a fault against munmap), `fork3` (a fork against two
 * threads writing, three threads), `mremap` and `mrelease` (abi linux), `clean` (msync's
 * uvm_map_clean, abi openbsd), `collapse` (a fault against fork's collapse, abi freebsd),
 * `cow` (a forced write against MADV_DONTNEED, abi linux).
 */
export type RaceKind = 'munmap' | 'fork3' | 'mremap' | 'mrelease' | 'clean' | 'collapse' | 'cow';
