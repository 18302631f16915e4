/**
 * Numbers on the command line: one grammar for every command. Counts, seeds and sequence
 * numbers are whole decimal numbers (no sign, no fraction, no exponent, no leading zero);
 * a seed is a 32-bit word (0 to 4294967295), since the generators take 32 bits and a larger
 * seed would silently equal a smaller one.
 */
import { InputError } from '../scenario/InputError.ts';

export const MAX_SEED = 0xffffffff;

/** A whole number flag within [min, max]; `dflt` when not given. */
export function intFlag(name: string, v: string | undefined, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  if (!/^(0|[1-9]\d*)$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min || Number(v) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min} to ${max}`;
    throw new InputError(`--${name} ${JSON.stringify(v)}: give a whole number, ${range}`);
  }
  return Number(v);
}

/** A seed flag: 0 to 2^32 - 1. */
export function seedFlag(v: string | undefined, dflt = 1): number {
  return intFlag('seed', v, dflt, 0, MAX_SEED);
}

/** A duration in seconds (a decimal with an optional fraction), above 0. */
export function secondsFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^(0|[1-9]\d*)(\.\d+)?$/.test(v) || Number(v) <= 0)
    throw new InputError(`--${name} ${JSON.stringify(v)}: give a number of seconds above 0 (e.g. 30 or 2.5)`);
  return Number(v);
}
