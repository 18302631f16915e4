/**
 * A log's steps checked on read against the scenario format's argument schemas
 * (stepSchemas.ts): the same operations, queries, arguments and value kinds the parser
 * produces. A log is data from someone else; a step that the parser could not have
 * produced is refused before anything runs.
 */
import { type ArgKind, type OpSpec, OPS, QUERIES, RIGHTS_VALUES } from '../scenario/stepSchemas.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
/** A 64-bit unsigned value: a safe integer, or a bigint below 2^64 (the log's `{ u64 }` form, revived). */
const isU64 = (v: unknown): boolean => (isInt(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n && v < 1n << 64n);

/** Why a normalised value is not of this kind, or undefined. */
function kindProblem(kind: ArgKind, v: unknown): string | undefined {
  if (typeof kind === 'object') {
    if ('enum' in kind) return typeof v === 'string' && kind.enum.includes(v) ? undefined : `one of ${kind.enum.join(', ')}`;
    if (isInt(v) && v >= 0) return undefined;
    return Array.isArray(v) && v.every((x) => typeof x === 'string' && (kind.flags === null || kind.flags.includes(x))) ? undefined : 'a list of flags';
  }
  switch (kind) {
    case 'id':
    case 'size':
    case 'count':
      return isInt(v) && v >= 0 ? undefined : 'a whole number, 0 or more';
    case 'len':
    case 'u64':
      return isU64(v) ? undefined : 'a whole number from 0 to 2^64 - 1';
    case 'access_size':
      return v === 1 || v === 2 || v === 4 || v === 8 ? undefined : '1, 2, 4 or 8';
    case 'prot':
      return typeof v === 'string' || (isInt(v) && v >= 0) ? undefined : "a protection (letters or the ABI's bits)";
    case 'u32':
      return isInt(v) && v >= 0 && v <= 0xffffffff ? undefined : 'a 32-bit word';
    case 'by':
      return (isInt(v) && v >= 0) || typeof v === 'string' ? undefined : 'a pid or a name';
    case 'addr':
      return isObj(v) && (isInt(v.offset) || typeof v.offset === 'bigint') && (v.name === undefined || typeof v.name === 'string')
        ? undefined
        : 'an address { name?, offset }';
    case 'rights':
      return (isInt(v) && v >= 0) || (typeof v === 'string' && (RIGHTS_VALUES as readonly string[]).includes(v))
        ? undefined
        : `a number or one of ${RIGHTS_VALUES.join(', ')}`;
    case 'bool':
      return typeof v === 'boolean' ? undefined : 'true or false';
    default:
      return typeof v === 'string' ? undefined : 'a string';
  }
}

function argsProblem(spec: OpSpec, args: Record<string, unknown>, what: string): string | undefined {
  for (const [k, a] of Object.entries(spec.args)) if (a.required && args[k] === undefined) return `${what} is missing '${k}'`;
  for (const [k, v] of Object.entries(args)) {
    const a = spec.args[k];
    if (a === undefined) return `${what} has no argument '${k}'`;
    const p = kindProblem(a.kind, v);
    if (p !== undefined) return `${what}: '${k}' must be ${p}`;
  }
  return undefined;
}

function stepProblem(s: unknown, where: string): string | undefined {
  if (!isObj(s)) return `${where} is not a step object`;
  if (typeof s.op !== 'string') return `${where} has no op`;
  if (!isObj(s.args)) return `${where} (${s.op}) has no args map`;
  if (!isObj(s.pos) || !isInt(s.pos.line) || !isInt(s.pos.col) || typeof s.pos.file !== 'string')
    return `${where} (${s.op}) has no position { file, line, col }`;
  if (s.expect !== undefined && !(isObj(s.expect) && isObj(s.expect.value) && typeof s.expect.value.kind === 'string'))
    return `${where} (${s.op}): expect is not an expectation`;
  const what = `${where} (${s.op}, line ${s.pos.line})`;
  if (s.op === 'concurrent') {
    const { threads, schedule, ...rest } = s.args;
    if (Object.keys(rest).length > 0) return `${what} has no argument '${Object.keys(rest)[0]}'`;
    if (!Array.isArray(threads) || threads.length === 0) return `${what} needs threads (a list of step lists)`;
    for (let t = 0; t < threads.length; t++) {
      const list = threads[t];
      if (!Array.isArray(list)) return `${what}: thread ${t} is not a list of steps`;
      for (let j = 0; j < list.length; j++) {
        const p = stepProblem(list[j], `${what} thread ${t} step ${j}`);
        if (p !== undefined) return p;
      }
    }
    if (schedule !== undefined && !(Array.isArray(schedule) && schedule.every((x) => isInt(x) && x >= 0)))
      return `${what}: schedule must be a list of thread numbers`;
    return undefined;
  }
  if (s.op === 'check') {
    const { queries, ...rest } = s.args;
    if (Object.keys(rest).length > 0) return `${what} has no argument '${Object.keys(rest)[0]}'`;
    if (!Array.isArray(queries) || queries.length === 0) return `${what} needs queries`;
    for (const q of queries) {
      if (!isObj(q) || typeof q.query !== 'string' || !isObj(q.args)) return `${what}: a query is { query, args, pos }`;
      const spec = QUERIES[q.query];
      if (spec === undefined) return `${what}: unknown query '${q.query}'`;
      const p = argsProblem(spec, q.args, `${what} query ${q.query}`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (s.op === 'generate') {
    // The generator's name and its numeric parameters (checked again when it runs).
    const { name, params, ...rest } = s.args;
    if (Object.keys(rest).length > 0) return `${what} has no argument '${Object.keys(rest)[0]}'`;
    if (typeof name !== 'string') return `${what} needs name`;
    if (params !== undefined && !(Array.isArray(params) && params.every((p) => typeof p === 'string' && /^\w+=\d+$/.test(p))))
      return `${what}: params must be a list of name=number`;
    return undefined;
  }
  const spec = OPS[s.op];
  if (spec === undefined) return `${where}: unknown operation '${s.op}'`;
  return argsProblem(spec, s.args, what);
}

/** Why the logged steps are not steps the scenario parser produces, or undefined. */
export function checkLogSteps(steps: readonly unknown[]): string | undefined {
  for (let i = 0; i < steps.length; i++) {
    const p = stepProblem(steps[i], `step ${i}`);
    if (p !== undefined) return p;
  }
  return undefined;
}
