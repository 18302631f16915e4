/**
 * The outcome of a step, exactly as SCENARIO.md "Outcomes" defines it: a plain map with only
 * the fields that apply.
 */
export interface Outcome {
  ok?: true;
  addr?: number;
  value?: number;
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
