import type { Outcome } from '../abi/outcome.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { Kernel } from './Kernel.ts';

/** Arguments of an MD system call step, normalised by the runner (addresses resolved). */
export type MdArgs = Readonly<Record<string, unknown>>;

/**
 * The machine-dependent system calls and state queries an arch module contributes
 * (multi-bound). Core routes `sysarch`, `pkey_set`, `wrpkru`, `pkey_alloc`, `pkey_free`,
 * `pkey_mprotect` and the MD `check` queries (`pkey`, `guarded`, `pkru`) here; an op nobody
 * handles gets the errno SCENARIO.md gives for an arch without the feature.
 */
export const ArchOps = Symbol('ArchOps');

/**
 * Who asks for an entry's MD flags, for rules that depend on the protection or the caller
 * (Linux's execute-only pkey, T6.4). Absent on mprotect's argument probe; given for mmap and
 * for each entry mprotect changes.
 */
export interface EntryFlagsContext {
  readonly p: Process;
  /** The calling thread, when known. */
  readonly t?: Thread;
  /** The new protection bits (VM_PROT_*). */
  readonly prot: number;
}
/**
 * What an arch module shows a viewer of one process (`replay --until N --json`, `vmlab view`):
 * its MD side tables as named lists of address ranges, and each thread's MD registers.
 * Core passes it through without reading it.
 */
export interface MdState {
  /** Named tables of [start, end) ranges with the values the module records for each. */
  ranges?: Record<string, { start: number; end: number; [field: string]: unknown }[]>;
  /** Per-thread MD register state, by tid (a value per register name). */
  threads?: Record<number, Record<string, unknown>>;
}

export interface ArchOps {
  readonly name: string;
  /** An MD system call: its outcome, or undefined if it is not this module's. */
  syscall?(k: Kernel, p: Process, t: Thread, op: string, args: MdArgs): Outcome | undefined;
  /** An MD state query: its value, or undefined if it is not this module's. */
  query?(k: Kernel, p: Process, name: string, args: MdArgs): unknown;
  /**
   * The entry's MD flags for a prot string's extra part (`bti` in `rxbti`) on mmap or
   * mprotect: a number, or undefined when the extra part is not this module's.
   */
  entryFlags?(k: Kernel, extra: string, current: number, op: 'mmap' | 'mprotect', ctx?: EntryFlagsContext): number | undefined;
  /**
   * Whether two neighbouring entries, [start, mid) and [mid, end), that the MI rules would
   * merge may become one (vm_map_try_merge_entries): false when MD state the arch keeps
   * for the ranges, outside the entry's MD flags, must stay apart. Absent: they may.
   */
  entriesMergeable?(k: Kernel, vms: Vmspace, start: number, mid: number, end: number): boolean;
  /** The extra prot letters an entry's MD flags show in `check entry` (`bti`), or undefined. */
  entryProtName?(mdFlags: number): string | undefined;
  /** The process's MD state for a viewer (side tables, registers), or undefined when it has none. */
  mdState?(k: Kernel, p: Process): MdState | undefined;
}
