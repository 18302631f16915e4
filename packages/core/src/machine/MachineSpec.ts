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
 * The most physical memory a machine may have: the frame tables (about 45 bytes a page,
 * allocated when the machine is built) of 4 GiB are 45 MB; more would let one line of a
 * scenario take the process's memory. A scenario that needs a large address space maps
 * it (mappings cost what is resident, examples/sparse-1tib.yaml); it needs no physmem.
 */
export const MAX_PHYSMEM = 4 * 1024 * 1024 * 1024;
/** The most swap a machine may have (one byte of block map per 4 KiB block: 16 MB). */
export const MAX_SWAP = 64 * 1024 * 1024 * 1024;

/** What a machine that does not say otherwise has (SCENARIO.md "Machine"). */
export const MACHINE_DEFAULTS = {
  abi: 'freebsd',
  cpus: 2,
  physmem: 64 * 1024 * 1024,
  swap: 128 * 1024 * 1024,
} as const;
