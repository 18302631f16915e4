/**
 * A validated machine configuration and the positions it was read from: what core needs
 * from a machine file or scenario (the harness parses and validates them).
 */

/** Where something was written: 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** A validated machine (the machine file format of SCENARIO.md "Machine"). */
export interface MachineSpec {
  name?: string;
  arch: string;
  abi: 'freebsd' | 'linux' | 'openbsd';
  cpus: number;
  /** bytes */
  physmem: number;
  /** bytes; 0 disables swap */
  swap: number;
  features: Record<string, boolean>;
  policies: Record<string, string>;
  plugins: string[];
  /** fault injection (pager-swap issue): by fault point name, e.g. `swap_read: { at: 3 }` */
  faults: Record<string, { at?: number; every?: number; count?: number }>;
  /** where each policy value / plugin was written, for error messages */
  positions?: Record<string, SourcePos>;
}

export interface FileSpec {
  path: string;
  /** bytes */
  size: number;
  fill: number;
}

/**
 * The most CPUs a machine may have: active-CPU sets and TLB targets are 32-bit masks with
 * one bit kept free, so 31.
 */
export const MAX_CPUS = 31;

/**
 * The most physical memory a machine may have: 256 GiB, 2^26 frames. The frame tables
 * are allocated lazily (PhysMem grows them as frames are first used), so an unused
 * physmem costs nothing; a machine that uses all of it needs about 60 bytes a resident
 * page (bench/run.ts), 4 GB at the limit. Frame numbers are 32-bit, so the hard ceiling
 * would be 8 TiB; the limit keeps one line of a scenario from asking for more than a
 * machine can hold. A scenario that needs a large address space maps it (mappings cost
 * what is resident, examples/sparse-1tib.yaml); it needs no physmem.
 */
export const MAX_PHYSMEM = 256 * 1024 * 1024 * 1024;
/**
 * The most swap a machine may have: 16M blocks of 4 KiB. The swap pager's block map and
 * block contents grow as blocks are first used (7 bytes a block in use, 112 MB at the
 * limit), so an unused swap costs nothing.
 */
export const MAX_SWAP = 64 * 1024 * 1024 * 1024;

/** What a machine that does not say otherwise has (SCENARIO.md "Machine"). */
export const MACHINE_DEFAULTS = {
  abi: 'freebsd',
  cpus: 2,
  physmem: 64 * 1024 * 1024,
  swap: 128 * 1024 * 1024,
} as const;
