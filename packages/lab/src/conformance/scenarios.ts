/**
 * The pmap conformance suite: scenarios that state the machine-independent rules of
 * SEMANTICS.md §3 (fork, copy-on-write, shadow and split, the D15293 race with its fix,
 * MADV_FREE after fork) and the basic Pmap contract, with expectations that must hold on
 * every architecture. They name no machine (runConformance gives one), use no MD operation
 * and no MD `check` field, and are run with every invariant checked after every step.
 */
export interface ConformanceCase {
  /** A short name (`fork-inherit`). */
  readonly name: string;
  /** The SEMANTICS.md / SCENARIO.md rules the case pins. */
  readonly rules: string;
  /** The scenario, as YAML text. */
  readonly yaml: string;
}

export const CONFORMANCE: readonly ConformanceCase[] = [
  {
    name: 'pmap-basics',
    rules: 'Pmap contract; SCENARIO.md rss, pte, munmap, mprotect',
    yaml: `
name: pmap basics
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 4 pages, prot: rw, flags: [private, anon], as: a }
  - check: { rss: { pid: 1 }, pte: { pid: 1, addr: a }, expect: { rss: 0, pte: none } }
  - write: { pid: 1, addr: a, value: 0x11 }
  - write: { pid: 1, addr: a+3 pages, value: 0x44 }
  - check: { rss: { pid: 1 }, pte: { pid: 1, addr: a }, expect: { rss: 2, pte: { present: true, writable: true, executable: false, size: 4096 } } }
  - mprotect: { pid: 1, addr: a, len: 4 pages, prot: r }
  - check: { pte: { pid: 1, addr: a }, expect: { pte: { present: true, writable: false } } }
  - read: { pid: 1, addr: a, expect: { value: 0x11 } }
  - write: { pid: 1, addr: a, value: 1, expect: { signal: SIGSEGV, code: SEGV_ACCERR } }
  - mprotect: { pid: 1, addr: a, len: 4 pages, prot: none }
  - check: { rss: { pid: 1 }, pte: { pid: 1, addr: a }, expect: { rss: 0, pte: none } }
  - read: { pid: 1, addr: a, expect: { signal: SIGSEGV, code: SEGV_ACCERR } }
  - mprotect: { pid: 1, addr: a, len: 4 pages, prot: rw }
  - read: { pid: 1, addr: a+3 pages, expect: { value: 0x44 } }
  - munmap: { pid: 1, addr: a, len: 4 pages }
  - check: { rss: { pid: 1 }, mapped: { pid: 1, addr: a }, expect: { rss: 0, mapped: false } }
  - read: { pid: 1, addr: a, expect: { signal: SIGSEGV, code: SEGV_MAPERR } }
  - mmap: { pid: 1, len: 1 page, prot: rx, flags: [private, anon], as: code }
  - fetch: { pid: 1, addr: code, expect: { value: 0 } }
  - check: { pte: { pid: 1, addr: code }, expect: { pte: { present: true, writable: false, executable: true } } }
`,
  },
  {
    name: 'fork-inherit',
    rules: 'T3.2 (NONE, SHARE, COPY, ZERO)',
    yaml: `
name: fork inheritance modes
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: cow }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: shared }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: gone }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: zeroed }
  - minherit: { pid: 1, addr: shared, len: 1 page, inherit: share }
  - minherit: { pid: 1, addr: gone, len: 1 page, inherit: none }
  - minherit: { pid: 1, addr: zeroed, len: 1 page, inherit: zero }
  - write: { pid: 1, addr: cow, value: 0x11 }
  - write: { pid: 1, addr: shared, value: 0x22 }
  - write: { pid: 1, addr: gone, value: 0x33 }
  - write: { pid: 1, addr: zeroed, value: 0x44 }
  - fork: { pid: 1, child: 2 }
  - write: { pid: 1, addr: cow, value: 0x55 }
  - read: { pid: 2, addr: cow, expect: { value: 0x11 } }
  - write: { pid: 2, addr: shared, value: 0x66 }
  - read: { pid: 1, addr: shared, expect: { value: 0x66 } }
  - read: { pid: 2, addr: gone, expect: { signal: SIGSEGV, code: SEGV_MAPERR } }
  - check: { mapped: { pid: 2, addr: gone }, expect: { mapped: false } }
  - read: { pid: 2, addr: zeroed, expect: { value: 0 } }
  - read: { pid: 1, addr: zeroed, expect: { value: 0x44 } }
`,
  },
  {
    name: 'cow-write-protect',
    rules: 'T3.3 1a/1c (parent PTEs write-protected, both entries COW), T3.4 (shadow on write)',
    yaml: `
name: copy-on-write write-protects the parent and shadows on write
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 0x11 }
  - write: { pid: 1, addr: a+1 page, value: 0x12 }
  - check: { pte: { pid: 1, addr: a }, expect: { pte: { present: true, writable: true } } }
  - fork: { pid: 1, child: 2 }
  - check: { pte: { pid: 1, addr: a }, expect: { pte: { writable: false } } }
  - check: { object: { pid: 1, addr: a }, expect: { object: { depth: 0, refs: 2 } } }
  - read: { pid: 2, addr: a, expect: { value: 0x11 } }
  - check: { pte: { pid: 2, addr: a }, expect: { pte: { present: true, writable: false } } }
  - write: { pid: 1, addr: a, value: 0x21 }
  - check: { pte: { pid: 1, addr: a }, expect: { pte: { present: true, writable: true } } }
  - check: { object: { pid: 1, addr: a }, expect: { object: { depth: 0, refs: 1 } } }
  - check: { object: { pid: 1, addr: a+1 page }, expect: { object: { depth: 1 } } }
  - read: { pid: 1, addr: a+1 page, expect: { value: 0x12 } }
  - read: { pid: 2, addr: a, expect: { value: 0x11 } }
  - write: { pid: 2, addr: a+1 page, value: 0x32 }
  - read: { pid: 1, addr: a+1 page, expect: { value: 0x12 } }
  - read: { pid: 2, addr: a+1 page, expect: { value: 0x32 } }
  - exit: { pid: 2 }
  - wait: { pid: 2 }
  - write: { pid: 1, addr: a+1 page, value: 0x42 }
  - read: { pid: 1, addr: a+1 page, expect: { value: 0x42 } }
`,
  },
  {
    name: 'fork-wired',
    rules: 'T3.3 2 (a wired writable entry is copied at once, no COW)',
    yaml: `
name: a wired writable entry is copied at fork
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: w }
  - write: { pid: 1, addr: w, value: 0x11 }
  - mlock: { pid: 1, addr: w, len: 1 page }
  - fork: { pid: 1, child: 2 }
  - check: { pte: { pid: 1, addr: w }, expect: { pte: { present: true, writable: true } } }
  - check: { events: { kind: fault }, save: before }
  - write: { pid: 1, addr: w, value: 0x22 }
  - check: { events: { kind: fault }, expect: { events: $before.events } }
  - read: { pid: 2, addr: w, expect: { value: 0x11 } }
  - read: { pid: 1, addr: w, expect: { value: 0x22 } }
`,
  },
  {
    name: 'fork-split',
    rules: 'T3.3 1b, T3.5 (vm_object_split of a ONEMAPPING object at fork)',
    yaml: `
name: fork splits a ONEMAPPING object referenced by two entries
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 4 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 0x10 }
  - write: { pid: 1, addr: a+1 page, value: 0x11 }
  - write: { pid: 1, addr: a+2 pages, value: 0x12 }
  - write: { pid: 1, addr: a+3 pages, value: 0x13 }
  - mprotect: { pid: 1, addr: a+2 pages, len: 2 pages, prot: r }
  - check: { map_entries: { pid: 1 }, object: { pid: 1, addr: a }, expect: { map_entries: 2, object: { depth: 0, refs: 2 } } }
  - fork: { pid: 1, child: 2 }
  - check: { object: { pid: 1, addr: a }, save: low, expect: { object: { depth: 0, refs: 2 } } }
  - check: { object: { pid: 1, addr: a+2 pages }, expect: { object: { depth: 0, refs: 2 } } }
  - check: { object: { pid: 2, addr: a }, expect: { object: { id: $low.object.id } } }
  - read: { pid: 2, addr: a+1 page, expect: { value: 0x11 } }
  - read: { pid: 2, addr: a+3 pages, expect: { value: 0x13 } }
  - write: { pid: 1, addr: a+1 page, value: 0x21 }
  - read: { pid: 2, addr: a+1 page, expect: { value: 0x11 } }
  - read: { pid: 1, addr: a+1 page, expect: { value: 0x21 } }
`,
  },
  {
    name: 'split-race-fixed',
    rules: 'T3.6, T3.7 (fault vs fork split, D15293: the fixed order)',
    yaml: `
name: swap-in fault racing fork's split, fixed order
steps:
  - spawn: { pid: 1 }
  - thread: { pid: 1, tid: 1 }
  - mmap: { pid: 1, len: 8 pages, prot: rw, flags: [private, anon], as: buf }
  - write: { pid: 1, addr: buf+1 page, value: 0x101 }
  - write: { pid: 1, addr: buf+2 pages, value: 0x202 }
  - write: { pid: 1, addr: buf+3 pages, value: 0x303 }
  - pageout: { pid: 1, addr: buf+1 page, len: 3 pages }
  - read: { pid: 1, addr: buf+1 page, expect: { value: 0x101 } }
  - pageout: { pid: 1, addr: buf+2 pages, len: 2 pages }
  - write: { pid: 1, addr: buf, value: 0x100 }
  - mprotect: { pid: 1, addr: buf+4 pages, len: 4 pages, prot: r }
  - concurrent:
      threads:
        - - write: { pid: 1, tid: 0, addr: buf+3 pages, value: 0x333 }
        - - fork: { pid: 1, tid: 1, child: 2 }
      schedule: [0, 1, 0, 1]
  - read: { pid: 1, addr: buf, expect: { value: 0x100 } }
  - read: { pid: 1, addr: buf+1 page, expect: { value: 0x101 } }
  - read: { pid: 1, addr: buf+2 pages, expect: { value: 0x202 } }
  - read: { pid: 1, addr: buf+3 pages, expect: { value: 0x333 } }
  - read: { pid: 2, addr: buf, expect: { value: 0x100 } }
  - read: { pid: 2, addr: buf+1 page, expect: { value: 0x101 } }
  - read: { pid: 2, addr: buf+2 pages, expect: { value: 0x202 } }
  - read: { pid: 2, addr: buf+3 pages, expect: { one_of: [{ value: 0x303 }, { value: 0x333 }] } }
`,
  },
  {
    name: 'madvise-free-after-fork',
    rules: 'T3.8, T3.9 (MADV_FREE never rewinds time)',
    yaml: `
name: MADV_FREE after fork returns the last write or zeros, never the pre-fork value
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: buf }
  - write: { pid: 1, addr: buf, value: 0x58 }
  - fork: { pid: 1, child: 2 }
  - write: { pid: 1, addr: buf, value: 0x59 }
  - madvise: { pid: 1, addr: buf, len: 1 page, advice: free }
  - pageout: { pid: 1, addr: buf, len: 1 page }
  - read: { pid: 1, addr: buf, expect: { value: 0x59 } }
  - read: { pid: 2, addr: buf, expect: { value: 0x58 } }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: own }
  - write: { pid: 1, addr: own, value: 0x77 }
  - madvise: { pid: 1, addr: own, len: 1 page, advice: free }
  - read: { pid: 1, addr: own, expect: { value: 0x77 } }
  - pageout: { pid: 1, addr: own, len: 1 page }
  - read: { pid: 1, addr: own, expect: { value: 0 } }
  - write: { pid: 1, addr: own, value: 0x78 }
  - madvise: { pid: 1, addr: own, len: 1 page, advice: free }
  - write: { pid: 1, addr: own, value: 0x79 }
  - pageout: { pid: 1, addr: own, len: 1 page }
  - read: { pid: 1, addr: own, expect: { value: 0x79 } }
`,
  },
  {
    name: 'lifecycle-teardown',
    rules: 'Pmap.destroy exactly once; exec and exit empty the pmap',
    yaml: `
name: exec, exit and wait tear the pmap down once
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 9 }
  - fork: { pid: 1, child: 2 }
  - execve: { pid: 2 }
  - check: { rss: { pid: 2 }, map_entries: { pid: 2 }, expect: { rss: 0, map_entries: 0 } }
  - read: { pid: 1, addr: a, expect: { value: 9 } }
  - exit: { pid: 2 }
  - wait: { pid: 2 }
  - exit: { pid: 1 }
  - wait: { pid: 1 }
  # two vmspaces (exec reuses the only reference's), each destroyed once
  - check: { events: { kind: pmap_destroy }, expect: { events: 2 } }
`,
  },
  {
    name: 'tlb-two-cpus',
    rules: 'stale_tlb (an unmap or COW reaches every CPU the pmap runs on)',
    yaml: `
name: a two-CPU process unmaps, remaps and copies on write
steps:
  - spawn: { pid: 1, cpu: 0 }
  - thread: { pid: 1, tid: 1, cpu: 1 }
  - mmap: { pid: 1, len: 4 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 1 }
  - read: { pid: 1, tid: 1, addr: a, expect: { value: 1 } }
  - munmap: { pid: 1, addr: a, len: 4 pages }
  - read: { pid: 1, tid: 1, addr: a, expect: { signal: SIGSEGV, code: SEGV_MAPERR } }
  - mmap: { pid: 1, len: 4 pages, prot: rw, flags: [private, anon], as: b }
  - write: { pid: 1, addr: b, value: 2 }
  - read: { pid: 1, tid: 1, addr: b, expect: { value: 2 } }
  - fork: { pid: 1, child: 2 }
  - write: { pid: 1, tid: 1, addr: b, value: 3 }
  - read: { pid: 1, addr: b, expect: { value: 3 } }
  - read: { pid: 2, addr: b, expect: { value: 2 } }
  - mprotect: { pid: 1, addr: b, len: 4 pages, prot: r }
  - write: { pid: 1, tid: 1, addr: b, value: 4, expect: { signal: SIGSEGV, code: SEGV_ACCERR } }
`,
  },
];
