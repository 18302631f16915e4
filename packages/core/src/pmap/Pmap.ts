import type { SignalInfo } from '../abi/outcome.ts';

/** What `check pte` shows of a page-table entry (SCENARIO.md). */
export interface PteInfo {
  present: boolean;
  writable: boolean;
  executable: boolean;
  /** amd64 protection key of the PTE (absent where the arch has none). */
  pkey?: number;
  /** arm64 BTI guarded bit (absent where the arch has none). */
  guarded?: boolean;
  /** bytes mapped by the entry */
  size: number;
}

/** The thread an access or a translation is made for: its CPU and MD register state. */
export interface PmapThread {
  readonly pid: number;
  readonly tid: number;
  cpu: number;
  /** MD per-thread state (the PKRU register on amd64); owned by the MD package. */
  md: unknown;
  /**
   * Set by the MD package while `md` may refuse an access to a page whose PTE has none of
   * the pmap's MD bits (amd64: the PKRU denies key 0); translate skips the MD check of such
   * pages otherwise (SoftPmap's `mdCheckBits`). Absent counts as false.
   */
  mdStrict?: boolean;
}

/** `translate` results that are not a frame. */
export const NEEDS_FAULT = -1;
export const MD_FAULT = -2;

/** Branch kind of an instruction fetch (for BTI-style checks). */
export type BranchKind = 'direct' | 'call' | 'jump';

/**
 * The machine-dependent physical map (FreeBSD sys/vm/pmap.h, gnumach vm/pmap.h).
 *
 * Core calls these for every page-table change; a Pmap never learns of logical lifecycle
 * events through them. Metadata whose lifetime is the logical mapping (protection keys,
 * guarded pages) is maintained from the event bus (`map_delete`, `fork`, `exec`, ...), never
 * from `remove`. Addresses are byte addresses, page aligned; frames are PhysMem indices.
 */
export interface Pmap {
  // --- creation and destruction -------------------------------------------------------
  /** Stable id within the machine (event logs name the pmap by it). */
  readonly id: number;
  /** True for the shared kernel pmap. */
  readonly kernel: boolean;
  /** pmap_release: frees page tables and MD state; called exactly once, at the last reference. */
  destroy(): void;

  // --- range operations --------------------------------------------------------------------
  /** pmap_enter: installs (or replaces) the translation va → frame with `prot`. */
  enter(va: number, frame: number, prot: number, wired: boolean): void;
  /** pmap_remove: destroys the translations in [start, end); physical only. */
  remove(start: number, end: number): void;
  /**
   * Linux's deferred flush (optional): clears the translations in [start, end) and flushes
   * the current CPU's TLB, but leaves the other CPUs' invalidation pending (cached entries
   * stay usable there) until `flushDeferred` over the same range: move_ptes with need_flush,
   * dup_mmap's flush_tlb_mm at the end. Returns whether a cleared PTE was dirty.
   */
  removeDeferred?(start: number, end: number): boolean;
  /** pmap_protect with the other CPUs' invalidation left pending likewise (copy_present_pte in fork). */
  protectDeferred?(start: number, end: number, prot: number): void;
  /** Completes the invalidation `removeDeferred` left pending over [start, end) on every CPU. */
  flushDeferred?(start: number, end: number): void;
  /** pmap_protect: lowers the rights of present translations; prot none removes them. */
  protect(start: number, end: number, prot: number): void;
  /** pmap_remove_pages: destroys every user translation (exec, exit). */
  removePages(): void;
  /** pmap_copy (optional): pre-populates this pmap from `src` over [start, end), read-only. */
  copy?(src: Pmap, start: number, end: number): void;
  /**
   * Whether the map may merge its neighbouring entries [start, mid) and [mid, end)
   * (vm_map_try_merge_entries) as far as MD state kept for the ranges goes: false when
   * such state must stay apart. Absent: always. Entries whose MD bits differ never merge.
   */
  entriesMergeable?(start: number, mid: number, end: number): boolean;
  /** pmap_unwire: clears the wired attribute of [start, end). */
  unwire(start: number, end: number): void;

  // --- page operations ---------------------------------------------------------------------
  /** pmap_remove_all: removes every translation of the frame, in every pmap. */
  removeAll(frame: number): void;
  /** pmap_remove_write: write-protects every translation of the frame. */
  removeWrite(frame: number): void;
  /** pmap_extract: the frame va maps, or -1. */
  extract(va: number): number;

  // --- reference and modify bits ------------------------------------------------------------
  /** pmap_is_modified: whether any translation of the frame has been written through. */
  isModified(frame: number): boolean;
  /** pmap_clear_modify: clears the modified bit of every translation of the frame. */
  clearModify(frame: number): void;
  /** pmap_ts_referenced: counts and clears the referenced bits of the frame's translations. */
  tsReferenced(frame: number): number;
  /** pmap_advise: MADV_DONTNEED / MADV_FREE hint over [start, end) (clears ref/mod bits). */
  advise(start: number, end: number, advice: 'dontneed' | 'free'): void;

  // --- activation ----------------------------------------------------------------------------
  /** pmap_activate: `cpu` now runs a thread of this pmap. */
  activate(cpu: number): void;
  /** The CPU stops running this pmap (context switch away). */
  deactivate(cpu: number): void;

  // --- access (the hardware's part of a memory access) --------------------------------------
  /**
   * Translates a user access by `thread`: the frame when a present translation allows it,
   * NEEDS_FAULT when the VM must fault (not present, or rights lacking), MD_FAULT when an MD
   * check (a protection key, a guard) refuses a present translation — then `mdFault()` says
   * which signal. Sets the referenced and (on write) modified bits.
   */
  translate(va: number, access: number, thread: PmapThread, branch?: BranchKind): number;
  /** The signal of the last MD_FAULT from `translate`. */
  mdFault(): SignalInfo;
  /** Whether a kernel access on behalf of `thread` (copyin/copyout) is allowed by MD checks. */
  kernelAccessAllowed(va: number, access: number, thread: PmapThread): boolean;

  // --- inspection ----------------------------------------------------------------------------
  /** The PTE at va for `check pte`, or undefined when none. */
  pte(va: number): PteInfo | undefined;
  /** Data pages mapped (resident count, page-table pages excluded). */
  readonly residentCount: number;
  /** Page-table pages allocated. */
  readonly ptPages: number;
  /** Calls fn for every present translation in [start, end), ascending (invariant checks). */
  forEachMapping(start: number, end: number, fn: (va: number, frame: number, writable: boolean) => void): void;
}

/** Token for the factory the arch module binds (one pmap per vmspace). */
export const PmapFactory = Symbol('PmapFactory');
export interface PmapFactory {
  /** The arch name (`amd64`, `arm64`, ...). */
  readonly arch: string;
  /** Top of user address space (exclusive). */
  readonly userTop: number;
  create(kernel: boolean): Pmap;
}
