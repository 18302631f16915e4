/** Helpers of the scenario parser's specs: a step header, positions in the text, the errors of a refused file. */
import { type Step, ScenarioError, parseScenario } from '@vmlab/lab';
import { expect } from 'vitest';

/** A scenario whose steps follow a header binding `buf` in pid 1. */
export function withSteps(steps: string): string {
  return `name: t\nmachine: amd64\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: buf }\n${steps}`;
}
/** The first line of `steps` in withSteps is line 6. */
export const FIRST = 6;

/** 1-based line and column of the first occurrence of `needle` (after `after`, when given). */
export function loc(text: string, needle: string, after = ''): { line: number; col: number } {
  const at = text.indexOf(needle, after === '' ? 0 : text.indexOf(after) + after.length);
  if (at < 0) throw new Error(`'${needle}' is not in the text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

export function errorsOf(text: string): { line: number; col: number; problem: string }[] {
  try {
    parseScenario(text, 'f.yaml');
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.errors.map(({ line, col, problem }) => ({ line, col, problem }));
  }
  throw new Error('expected the scenario to be refused');
}

export function oneError(text: string): { line: number; col: number; problem: string } {
  const errs = errorsOf(text);
  expect(errs, JSON.stringify(errs)).toHaveLength(1);
  return errs[0]!;
}

export function stepsOf(text: string): Step[] {
  return parseScenario(text, 'f.yaml').steps;
}
