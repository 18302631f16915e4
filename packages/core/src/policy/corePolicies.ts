import type { PolicyDefinition } from './PolicyDefinition.ts';

/** The policy keys whose behaviour lives in core. */
export const CORE_POLICIES: PolicyDefinition[] = [
  {
    key: 'fault.cow_shared_shadow',
    values: ['invalidate'],
    owner: '@vmlab/core',
    rules: 'FreeBSD-SA-21:08.vm (CVE-2021-29626)',
    description:
      'What a copy-on-write copy into a shadow object shared between address spaces (minherit(INHERIT_SHARE) on a copy-on-write mapping, then fork) does to the other mappings of the copied page. invalidate (the fix): vm_fault_cow removes every mapping of the source page, and vm_fault_copy_entry upgrades a wired entry in its own object. no_invalidate (@vmlab/plugins) is the bug: the other sharers keep reading the old page.',
  },
  {
    key: 'map_clean.lock',
    values: ['busy'],
    owner: '@vmlab/core',
    rules: 'NetBSD PR kern/56952; OpenBSD uvm_map_clean',
    description:
      'What msync holds while UVM (abi openbsd) flushes the range in uvm_map_clean, sleeping on busy pages. busy (the fix): the read lock is traded for the map busy mark (vm_map_busy), which holds writers off without queueing them, so a fault holding a busy page can take the read lock again. read_locked (@vmlab/plugins) is the bug: the read lock is held across the flush, a queued writer holds the fault back (rwlock(9) prefers writers), and msync, the fault and the writer deadlock. Other ABIs take vm_map_sync, which this key does not change.',
  },
  {
    key: 'fault.soft_fast',
    values: ['unbusy_first'],
    owner: '@vmlab/core',
    rules: 'FreeBSD D38527',
    description:
      'How the fault fast path (vm_fault_soft_fast: a resident, valid page of the first object) ends. unbusy_first (the fix): the first object is unbusied before the map lock is released. unlock_first (@vmlab/plugins) is the bug: the map lock is dropped first, so an munmap in the window terminates the object and the fault unbusies an object that is gone.',
  },
  {
    key: 'fault.lock',
    values: ['mmap_lock', 'vma_lock'],
    owner: '@vmlab/core',
    rules: 'Linux fb49c455323f (per-VMA locks and fork)',
    description:
      "What a page fault locks to find its map entry. mmap_lock: the map lock, shared. vma_lock (Linux 6.4.3 on): a fault on a private anonymous area tries the area's own lock first (lock_vma_under_rcu) and falls back to the map lock; a fault that must page in gives the area lock up and retries under the map lock (do_swap_page's VM_FAULT_RETRY), as one that finds the page busy does; fork's dup_mmap write-locks each parent area before copying it and flushes the parent's TLBs once at the end; munmap, MAP_FIXED and mprotect write-lock the areas they change (vma_start_write), waiting for a fault that sleeps under one. vma_lock_6_4 (@vmlab/plugins) is the bug of Linux 6.4.0 to 6.4.2: dup_mmap did not lock the parent's areas, so a copy-on-write fault during fork replaced a page another CPU still wrote through a stale TLB entry, and the write went to the child.",
  },
  {
    key: 'exit.mmap',
    values: ['atomic', 'locked_reset'],
    owner: '@vmlab/core',
    rules: 'Linux f798a1d4f94d (process_mrelease and exit_mmap)',
    description:
      'How the last user of an address space tears it down, as process_mrelease sees it (Linux exit_mmap). atomic: in one step. locked_reset (Linux 5.17 on): under the map lock held for writing, with a reschedule in unmap_vmas, and the area list reset before the unlock. locked_stale (@vmlab/plugins) is the bug of Linux 5.15 and 5.16: the list kept pointing at the freed areas, and a process_mrelease that slept on the map lock walked them (use after free).',
  },
  {
    key: 'gup.force_cow',
    values: ['foll_cow'],
    owner: '@vmlab/core',
    rules: 'CVE-2016-5195 (Linux 19be0eaffa3a)',
    description:
      "What a forced write through get_user_pages (/proc/PID/mem, ptrace, the model's poke; abi linux) accepts after its copy-on-write fault in a private area without write permission. foll_cow (the fix): the retried lookup keeps the write intent and takes a read-only page only if it is the copy (FOLL_COW), else faults for write again. drop_foll_write (@vmlab/plugins) is Dirty COW, Linux 2.6.22 to 4.8: the write intent was dropped, so if madvise(MADV_DONTNEED) zapped the copy before the retry, a read fault mapped the file's page and the write changed the file.",
  },
  {
    key: 'mremap.tlb_flush',
    values: ['present'],
    owner: '@vmlab/core',
    rules: 'CVE-2018-18281 (Linux eb66ae030829)',
    description:
      "When mremap's move_ptes invalidates the TLBs of the old range (Linux). present (the fix): before it drops the page-table lock whenever a present PTE moved. dirty_only (@vmlab/plugins) is the bug of Linux 4.9 to 4.18: a clean range is flushed only after the lock is dropped, so truncate can free the page, found through its new PTE, while another CPU still reaches it through the old address.",
  },
  {
    key: 'collapse.scan',
    values: ['collapsing'],
    owner: '@vmlab/core',
    rules: 'FreeBSD D6085 (r300758)',
    description:
      "What a collapse marks while its scan sleeps on a busy page (vm_object_collapse from fork's vm_map_copy_entry; the backing object is marked dead either way). collapsing (the fix): the top object is marked OBJ_COLLAPSING and counted as paging in progress, a collapse that meets a collapsing backing object waits for it, and a fault that meets the dead-marked backing object pauses and retries. dead_only (@vmlab/plugins) is the bug before D6085: the top object is left unmarked, and the fault stops at the dead object with a spurious SIGSEGV.",
  },
  {
    key: 'map_delete.skips',
    values: ['none', 'freebsd'],
    owner: '@vmlab/core',
    rules: 'T1.17, T2.5',
    description:
      'freebsd reproduces two code-level skips: vm_map_delete does not call the logical-unmap hook for an entry without a backing object, and the pmap returns early when it holds no pages, so a key or guard may outlive munmap.',
  },
  {
    key: 'madvise.free_on_shadow',
    values: ['skip', 'apply'],
    owner: '@vmlab/core',
    rules: 'T3.8, T3.9',
    description:
      'Whether MADV_FREE acts on a shared or shadowing anonymous object. apply is the rewind-on-fork bug: after reclaim a read falls through to pre-fork data.',
  },
  {
    key: 'madvise.reuse',
    values: ['keep', 'zero'],
    owner: '@vmlab/core',
    rules: 'T5.7, T5.8',
    description: 'What MADV_FREE_REUSE returns. keep (XNU): pages not reclaimed keep their data. zero: every page returned by REUSE reads as zero.',
  },
  {
    key: 'madvise.reusable_fault',
    values: ['zero_fill', 'fatal'],
    owner: '@vmlab/core',
    rules: 'T5.8',
    description: 'A fault on a page in the reusable state: zero-fill as usual, or SIGSEGV until the range is reused.',
  },
  {
    key: 'exit.teardown',
    values: ['last_reference', 'purge_in_exit'],
    defaultFor: (abi) => (abi === 'openbsd' ? 'purge_in_exit' : 'last_reference'),
    owner: '@vmlab/core',
    rules: 'T4.1–T4.7',
    description:
      'Where an address space is torn down. purge_in_exit (OpenBSD uvm_purge, the default with abi openbsd): the exiting process empties its own map; kernel threads never purge; the pmap is destroyed when the last reference goes.',
  },
  {
    key: 'fork.copy',
    values: ['split', 'share_amap'],
    defaultFor: (abi) => (abi === 'openbsd' ? 'share_amap' : 'split'),
    owner: '@vmlab/core',
    rules: 'FreeBSD vm_map_copy_entry; OpenBSD uvm_mapent_forkcopy',
    description:
      "What fork does to a copy-on-write entry's anonymous memory. split (FreeBSD vmspace_fork, vm_map_copy_entry; the default except with abi openbsd): vm_object_collapse, which may sleep in its scan on a busy page, then vm_object_split gives an entry whose object others reference an object of its own, sleeping on every busy page it moves; fork waits for pages a fault holds busy, with the parent's map locked. share_amap (UVM uvm_mapent_forkcopy and amap_copy, the default with abi openbsd): the child references the parent's amap as it is, nothing is split, and fork never waits for a busy page.",
  },
  {
    key: 'fault.pager_relock',
    values: ['restart', 'relock_busy'],
    defaultFor: (abi) => (abi === 'openbsd' ? 'relock_busy' : 'restart'),
    owner: '@vmlab/core',
    rules: 'FreeBSD vm_fault_relookup, vm_object_page_remove; OpenBSD uvmfault_relock, uvm_anfree, uvm_anon_release',
    description:
      'How a fault that slept in pager I/O gets the map back. restart (FreeBSD vm_fault_getpages and vm_fault_relookup; the default except with abi openbsd): the map is only tried; when it is held or changed the fault unbusies the page and starts again, so it never sleeps for the map with a page busy. relock_busy (UVM uvm_fault_lower_io and uvmfault_relock, the default with abi openbsd): the fault sleeps for the map read lock with the page still busy (with abi openbsd the map lock is an rwlock(9), so behind a queued writer too), then refaults if the map changed; a path that holds the map and sleeps on that page (fork.copy: split, map_clean.lock: read_locked) deadlocks with it. The value also says what an unmap does to a page a fault keeps busy for its I/O: under restart it sleeps until the page is unbusied (vm_object_page_remove), with the map held; under relock_busy it marks the page released and goes on (uvm_anfree, PG_RELEASED), and the fault, back from the I/O, frees the page and its swap slot (uvm_anon_release) and restarts.',
  },
  {
    key: 'revoke.mode',
    values: ['replace_entry', 'zap'],
    owner: '@vmlab/core',
    rules: 'T7.2–T7.7',
    description:
      'replace_entry: each mapping is replaced in place by one whose faults raise SIGBUS, bounds and user-visible flags kept. zap: page-table entries are removed and the pager fault fails; even_cows also removes private copies.',
  },
  {
    key: 'revoke.walk',
    values: ['recheck', 'no_recheck'],
    owner: '@vmlab/core',
    rules: 'T7.3',
    description:
      "How the revocation walk treats a mapping after it dropped the file's lock to take the address space's: recheck looks it up again, skips it if it is gone, and restarts from the head; no_recheck uses the stale pointer.",
  },
  {
    key: 'tlb.shootdown',
    values: ['immediate', 'deferred'],
    owner: '@vmlab/core',
    rules: 'seed discussion of deferred invalidation',
    description:
      'immediate: invalidations reach other CPUs at once (an IPI each on amd64, one broadcast on arm64). deferred: they are queued and done at the next context switch on each CPU, before pages are reused.',
  },
  {
    key: 'mmap.wx',
    values: ['allow', 'refuse'],
    defaultFor: (abi) => (abi === 'openbsd' ? 'refuse' : 'allow'),
    // A parameter the system-call layer reads (no module to bind).
    accepts: (v) => v === 'allow' || v === 'refuse',
    owner: '@vmlab/core',
    rules: 'docs/abi',
    description:
      'Whether mmap and mprotect may ask for write and execute together. refuse (the default with abi openbsd): W^X, OpenBSD uvm_wxcheck (ENOTSUP unless the binary and its filesystem are wxallowed) and FreeBSD kern.elf64.allow_wx=0 (EACCES). allow: a wxallowed OpenBSD filesystem, FreeBSD and Linux by default.',
  },
];
