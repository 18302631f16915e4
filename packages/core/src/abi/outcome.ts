/**
 * The outcome of a step, exactly as SCENARIO.md "Outcomes" defines it: a plain map with only
 * the fields that apply.
 */
export interface Outcome {
  ok?: true;
  /** A bigint only for an address at or above 2^53 (a fault far outside user space). */
  addr?: number | bigint;
  /** A bigint only for an 8-byte load at or above 2^53. */
  value?: number | bigint;
  key?: number;
  pages?: number;
  signal?: 'SIGSEGV' | 'SIGBUS' | 'SIGILL';
  code?: string;
  pkey?: number;
  errno?: string;
  /** Set only for an internal failure (a plugin threw, a deadlock): the run stops with it. */
  error?: string;
  [extra: string]: unknown;
}

export const OK: Outcome = Object.freeze({ ok: true }) as Outcome;

export function errno(name: string): Outcome {
  return { errno: name };
}

/** A fault outcome, before the ABI translates it into a signal. */
export interface SignalInfo {
  signal: 'SIGSEGV' | 'SIGBUS' | 'SIGILL';
  code: string;
  addr: number;
  pkey?: number;
}

/**
 * JSON.stringify replacer for outcomes and reports: a 64-bit value held as a bigint (an
 * address or a loaded value at or above 2^53) is written as a 0x hex string.
 */
export function bigintJson(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `0x${v.toString(16)}` : v;
}
