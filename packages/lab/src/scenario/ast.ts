/**
 * The parsed form of a scenario file (SCENARIO.md). The parser validates every step's
 * arguments and normalises them; names (`as:`) are resolved only when the step runs, so an
 * address is kept as an expression.
 */

import type { FileSpec, MachineSpec, SourcePos } from '@vmlab/core';

export type { FileSpec, MachineSpec, SourcePos };

/** An address: a number, or a name bound by an earlier `as:` plus an offset. */
export interface AddrExpr {
  name?: string;
  /** Exact: a bigint when at or above 2^53 (a 64-bit value such as `(void *)-1`). */
  offset: number | bigint;
}

/** Comparison operators for numeric expectation fields. */
export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** A reference to a saved check: `$NAME.query[.field] [+|- N]`. */
export interface SavedRef {
  ref: string;
  path: string[];
  delta: number;
}

/**
 * An expected value. Scalars compare by equality (errno and signal names by the ABI's
 * numeric value, addresses resolved through names); `{ cmp }` compares numerically;
 * objects compare field by field, fields left out are not compared.
 */
export type ExpectValue =
  | { kind: 'scalar'; value: number | bigint | string | boolean | null }
  | { kind: 'addr'; addr: AddrExpr }
  | { kind: 'saved'; ref: SavedRef }
  | { kind: 'cmp'; ops: { op: CmpOp; rhs: ExpectValue }[] }
  | { kind: 'map'; fields: Record<string, ExpectValue> }
  | { kind: 'oneOf'; alternatives: ExpectValue[] };

export interface Expectation {
  value: ExpectValue;
  pos: SourcePos;
}

/** Normalised step arguments, by name. */
export type ArgValue =
  | number
  | bigint // a 64-bit value at or above 2^53 (`len`, `value` of an 8-byte store)
  | string
  | boolean
  | AddrExpr
  | string[]
  | Step[][] // concurrent threads
  | number[] // schedule
  | CheckQuery[];

export interface CheckQuery {
  /** The query name (`rss`, `pte`, ...). */
  query: string;
  /** Its arguments, normalised (pid/tid numbers, addr as AddrExpr, kind as string). */
  args: Record<string, number | string | AddrExpr>;
  pos: SourcePos;
}

export interface Step {
  /** The operation (`spawn`, `mmap`, `check`, ...). */
  op: string;
  /** Arguments by name, normalised as the op's table says. */
  args: Record<string, ArgValue>;
  expect?: Expectation;
  /** compare mode: per-machine expectations, by machine name. */
  expectOn?: Record<string, Expectation>;
  /** `check` only: save the result under this name. */
  save?: string;
  pos: SourcePos;
}

/** A machine description: a preset name, a path to a machine file, or an inline machine. */
export type MachineRef =
  | { kind: 'preset'; name: string; pos: SourcePos }
  | { kind: 'path'; path: string; pos: SourcePos }
  | { kind: 'inline'; spec: MachineSpec; pos: SourcePos };

export interface ExploreSpec {
  expect: 'clean' | 'violation';
  invariant?: string;
  /** Where `invariant:` was written. */
  invariantPos?: SourcePos;
}

export interface Scenario {
  name: string;
  file: string;
  machine?: MachineRef;
  machines?: MachineRef[];
  files: FileSpec[];
  steps: Step[];
  explore?: ExploreSpec;
}
