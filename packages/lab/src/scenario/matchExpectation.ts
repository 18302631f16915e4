/**
 * The expectation matcher (SCENARIO.md "Expectations"): an expected value against an
 * outcome or a check's answer. Fields the expectation leaves out are not compared, at any
 * depth; errnos compare by the ABI's value; names and saved checks are resolved through
 * the context of the run.
 */
import type { AddrExpr, CmpOp, ExpectValue, SavedRef } from './ast.ts';
import { formatAddrExpr, hex } from './values.ts';

export interface MatchContext {
  /** The address a name expression stands for in the step's process, if bound. */
  resolveAddr(a: AddrExpr): number | bigint | undefined;
  /** The ABI's value of an errno name, if it is one. */
  errnoValue(name: string): number | undefined;
  /** The answer of the check saved under this name, by query. */
  saved(name: string): Record<string, unknown> | undefined;
}

/** Fields whose numbers read best in hex. */
const HEX_FIELDS = new Set(['value', 'addr', 'start', 'end']);

const CMP_TEXT: Record<CmpOp, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** null when the expectation holds; otherwise what differs, naming the field and both values. */
export function matchExpectation(exp: ExpectValue, actual: unknown, ctx: MatchContext): string | null {
  return match(exp, actual, ctx, []);
}

function match(exp: ExpectValue, actual: unknown, ctx: MatchContext, path: string[]): string | null {
  const field = path[path.length - 1];
  switch (exp.kind) {
    case 'scalar':
      return scalarHolds(exp.value, actual, ctx) ? null : differ(path, formatValue(exp.value, field), actual);

    case 'addr': {
      const want = ctx.resolveAddr(exp.addr);
      if (want === undefined) return `${at(path)}name '${exp.addr.name}' is not bound`;
      return actual === want ? null : differ(path, `${formatAddrExpr(exp.addr)} (${hex64(want)})`, actual);
    }

    case 'saved': {
      const r = resolveSaved(exp.ref, ctx);
      if (typeof r === 'string') return `${at(path)}${r}`;
      return deepEqual(r.value, actual) ? null : differ(path, `${formatRef(exp.ref)} (${formatValue(r.value, field)})`, actual);
    }

    case 'cmp': {
      const texts: string[] = [];
      let holds = true;
      for (const { op, rhs } of exp.ops) {
        const n = numberOf(rhs, ctx);
        if (typeof n === 'string') return `${at(path)}${n}`;
        texts.push(`${CMP_TEXT[op]} ${formatValue(n, field)}`);
        if (typeof actual !== 'number' || !compare(op, actual, n)) holds = false;
      }
      return holds ? null : differ(path, texts.join(' and '), actual);
    }

    case 'map': {
      if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
        return differ(path, formatExpect(exp, field), actual);
      }
      const rec = actual as Record<string, unknown>;
      for (const [k, sub] of Object.entries(exp.fields)) {
        const m = match(sub, rec[k], ctx, [...path, k]);
        if (m !== null) return m;
      }
      return null;
    }

    case 'oneOf': {
      const why: string[] = [];
      for (const alt of exp.alternatives) {
        const m = match(alt, actual, ctx, path);
        if (m === null) return null;
        why.push(m);
      }
      return `${at(path)}none of ${exp.alternatives.length} alternatives holds (${why.join('; ')})`;
    }
  }
}

function scalarHolds(want: number | bigint | string | boolean | null, actual: unknown, ctx: MatchContext): boolean {
  if (want === null) return actual === null || actual === undefined;
  if (typeof want !== 'string') return actual === want;
  if (actual === want) return true;
  if (want === 'none') return actual === null;
  // Errno aliases (EOPNOTSUPP and ENOTSUP) are the same number.
  const w = ctx.errnoValue(want);
  if (w === undefined) return false;
  if (typeof actual === 'number') return actual === w;
  if (typeof actual === 'string') return ctx.errnoValue(actual) === w;
  return false;
}

/** The value a saved reference stands for, or why it has none. */
function resolveSaved(ref: SavedRef, ctx: MatchContext): { value: unknown } | string {
  const rec = ctx.saved(ref.ref);
  if (rec === undefined) return `$${ref.ref} was not saved (its check did not run)`;
  let v: unknown = rec;
  for (const p of ref.path) {
    if (v === null || typeof v !== 'object' || !(p in (v as object))) {
      return `${formatRef(ref)}: the saved check has no ${p}`;
    }
    v = (v as Record<string, unknown>)[p];
  }
  if (ref.delta === 0) return { value: v };
  if (typeof v !== 'number') return `${formatRef(ref)}: the saved value ${formatValue(v, undefined)} is not a number`;
  return { value: v + ref.delta };
}

/** The number a comparison's right-hand side stands for, or why it has none. */
function numberOf(rhs: ExpectValue, ctx: MatchContext): number | string {
  if (rhs.kind === 'scalar' && typeof rhs.value === 'number') return rhs.value;
  if (rhs.kind === 'addr') {
    const n = ctx.resolveAddr(rhs.addr);
    return n === undefined ? `name '${rhs.addr.name}' is not bound` : Number(n);
  }
  if (rhs.kind === 'saved') {
    const r = resolveSaved(rhs.ref, ctx);
    if (typeof r === 'string') return r;
    return typeof r.value === 'number' ? r.value : `${formatRef(rhs.ref)} is not a number`;
  }
  return 'a comparison needs a number';
}

function compare(op: CmpOp, a: number, b: number): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/* ------------------------------------------------------------------ messages */

function at(path: string[]): string {
  return path.length === 0 ? '' : `${path.join('.')}: `;
}

/** Hex for a 64-bit value, exact when it is a bigint. */
function hex64(v: number | bigint): string {
  return typeof v === 'bigint' ? `0x${v.toString(16)}` : hex(v);
}

function differ(path: string[], expected: string, actual: unknown): string {
  return `${at(path)}expected ${expected}, got ${formatValue(actual, path[path.length - 1])}`;
}

/** A value as a message shows it: hex for addresses and words of 16 and more. */
export function formatValue(v: unknown, field: string | undefined): string {
  if (v === undefined) return '(absent)';
  if (v === null) return 'null';
  if (typeof v === 'number') return field !== undefined && HEX_FIELDS.has(field) && v >= 16 ? hex(v) : String(v);
  if (typeof v === 'bigint') return hex64(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, field)).join(', ')}]`;
  if (typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${formatValue(x, k)}`);
    return `{ ${parts.join(', ')} }`;
  }
  return String(v);
}

function formatRef(ref: SavedRef): string {
  const d = ref.delta === 0 ? '' : ref.delta > 0 ? ` + ${ref.delta}` : ` - ${-ref.delta}`;
  return `$${ref.ref}.${ref.path.join('.')}${d}`;
}

/** An expected value as written. */
export function formatExpect(exp: ExpectValue, field?: string): string {
  switch (exp.kind) {
    case 'scalar':
      return formatValue(exp.value, field);
    case 'addr':
      return formatAddrExpr(exp.addr);
    case 'saved':
      return formatRef(exp.ref);
    case 'cmp':
      return exp.ops.map(({ op, rhs }) => `${CMP_TEXT[op]} ${formatExpect(rhs, field)}`).join(' and ');
    case 'map':
      return `{ ${Object.entries(exp.fields)
        .map(([k, x]) => `${k}: ${formatExpect(x, k)}`)
        .join(', ')} }`;
    case 'oneOf':
      return `one of [${exp.alternatives.map((a) => formatExpect(a, field)).join(', ')}]`;
  }
}
