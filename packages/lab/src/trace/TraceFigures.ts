/** What a trace run on one machine reports (`vmlab trace`, per machine). */
export interface TraceFigures {
  machine: string;
  arch: string;
  /** System calls replayed, by trace operation (mmap, fork, brk, ...; implicit_map for first-touch mappings). */
  syscalls: Record<string, number>;
  /** Operations not replayed, by reason (`mremap: no mremap in this kernel`, `madvise MADV_HUGEPAGE: no such advice`). */
  notReplayed: Record<string, number>;
  /** Replayed calls the simulated kernel refused, by `op errno`; the first few with their trace positions. */
  refused: Record<string, number>;
  firstRefused: string[];
  /** Accesses as recorded, and the records the reader handed on after collapsing by page. */
  accesses: number;
  records: number;
  /** Records whose translation was present (no fault). */
  tlbHits: number;
  faults: {
    total: number;
    zeroFill: number;
    cow: number;
    pageIn: number;
    /** Resolved with a page already resident (the page cache, or a read of a shadowed page). */
    soft: number;
    protection: number;
    /** Protection-key and guarded-page faults (the MD pmap's own). */
    keyGuard: number;
    /** No mapping at the address (SEGV_MAPERR) or past the end of a file (SIGBUS). */
    unmapped: number;
  };
  /** The first few signals with their trace positions. */
  firstSignals: string[];
  pagesIn: number;
  pagesOut: number;
  tlbInvalidations: number;
  /** Remote invalidations: IPIs (amd64) or broadcast instructions (arm64). */
  ipis: number;
  broadcasts: number;
  /** The most physical pages in use at once (page cache included), and that in bytes. */
  peakRssPages: number;
  /** Pages mapped on first touch (lackey), by kind. */
  implicit: { text: number; data: number; stack: number };
  warnings: number;
  wallMs: number;
  accessesPerSec: number;
  /** The machine's counters at the end (for `--json` and comparisons). */
  counters: Record<string, number>;
}
