/**
 * The steps of a scenario: each operation's arguments read against its schema, `concurrent`
 * with its threads and schedule, and `check` with its queries and `save:`.
 */
import { didYouMean } from '@vmlab/core';
import { isSeq, type Node, type YAMLMap } from 'yaml';
import type { ArgValue, CheckQuery, SourcePos, Step } from './ast.ts';
import { outcomeFields, parseExpectOn, parseExpectation } from './parseExpectation.ts';
import { type ArgKind, CHECK_QUERIES, type OpSpec, OPS, QUERIES, RIGHTS_VALUES, STEP_OPS, describeArgs } from './stepSchemas.ts';
import { parseAccessSize, parseAddr, parseCount, parseEnum, parseFlags, parseLength, parseName, parseProt, parseSize, parseU32, parseU64 } from './values.ts';
import { KEYS } from './format.ts';
import { GENERATORS } from '../trace/generators/generators.ts';
import type { Entry, Walker } from './Walker.ts';

export function parseSteps(w: Walker, node: Node | null, anchor: Node, nested: boolean): Step[] {
  const seq = w.seq(node, 'steps', anchor);
  const out: Step[] = [];
  for (const item of seq.items) {
    const n = w.deref(item);
    const steps = w.guard(() => parseStep(w, n, seq, nested));
    if (steps !== undefined) out.push(...steps);
  }
  return out;
}

/** One step of the file; a `check` with a list of query maps gives one Step per map. */
function parseStep(w: Walker, node: Node | null, anchor: Node, nested: boolean): Step[] {
  const map = w.map(node, 'a step (a one-key map such as - read: { pid: 1, addr: buf })', anchor);
  const entries = w.entries(map);
  if (entries.length !== 1) {
    const keys = entries.map((e) => e.key);
    const misplaced: string[] = keys.filter((k) => k === 'expect' || k === 'expect_on' || k === 'tid' || k === 'save');
    const fix = misplaced.length > 0 && keys.length === 2 ? `; move ${misplaced[0]} inside the arguments of ${keys.find((k) => !misplaced.includes(k))}` : '';
    w.fail(map, `a step is a one-key map (the operation), found ${keys.length === 0 ? 'none' : keys.join(', ')}${fix}`);
  }
  const { key, keyNode, value } = entries[0]!;
  const pos = w.pos(keyNode);
  if (key === 'check') return parseCheck(w, value, keyNode, pos);
  if (key === 'repeat') return parseRepeat(w, value, keyNode, nested);
  if (key === 'generate') {
    if (nested) w.fail(keyNode, 'generate cannot run inside concurrent (it runs a whole workload as one step)');
    return [parseGenerate(w, value, keyNode, pos)];
  }
  if (key === 'concurrent') {
    if (nested) w.fail(keyNode, 'concurrent steps cannot be nested; a thread of concurrent runs plain steps');
    return [parseConcurrent(w, value, keyNode, pos)];
  }
  const spec = OPS[key];
  if (spec === undefined) w.fail(keyNode, `unknown operation '${key}'${didYouMean(key, STEP_OPS)}; known: ${STEP_OPS.join(', ')}`);

  const argsMap: YAMLMap | null = value === null ? null : w.map(value, `the arguments of ${key}`, keyNode);
  const argEntries = argsMap === null ? [] : w.entries(argsMap);
  const step: Step = { op: key, args: {}, pos };
  const rest = parseArgs(w, key, spec, argEntries, argsMap ?? keyNode, step.args, ['expect', 'expect_on']);

  if (key === 'pageout') checkPageout(w, step.args, argsMap ?? keyNode);
  if (key === 'write') checkWriteValue(w, step.args, argEntries);
  if ((key === 'mmap' || key === 'mremap') && typeof step.args.as === 'string') w.names.add(step.args.as);

  for (const e of rest) {
    if (e.key === 'expect') step.expect = w.guard(() => parseExpectation(w, e.value, e.keyNode, undefined, outcomeFields(key)));
    else if (e.key === 'expect_on') step.expectOn = w.guard(() => parseExpectOn(w, e.value, e.keyNode, undefined, outcomeFields(key)));
  }
  return [step];
}

/**
 * Read the arguments of an op (or a query) into `out`; returns the entries whose keys are
 * in `extra` (expect, save, ...) for the caller.
 */
function parseArgs(w: Walker, what: string, spec: OpSpec, entries: Entry[], anchor: Node, out: Record<string, ArgValue>, extra: readonly string[]): Entry[] {
  const rest: Entry[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (extra.includes(e.key)) {
      rest.push(e);
      continue;
    }
    const arg = spec.args[e.key];
    if (arg === undefined) {
      w.error(
        e.keyNode,
        `unknown argument '${e.key}' for ${what}${didYouMean(e.key, [...Object.keys(spec.args), ...extra])}; ${what} takes ${describeArgs(spec, extra)}`,
      );
      continue;
    }
    seen.add(e.key);
    const v = w.guard(() => parseArg(w, e.key, arg.kind, e.value ?? e.keyNode, e.value));
    if (v !== undefined) out[e.key] = v;
  }
  const missing = Object.entries(spec.args)
    .filter(([k, a]) => a.required && !seen.has(k))
    .map(([k]) => k);
  if (missing.length > 0) {
    w.error(anchor, `${what} is missing ${missing.map((k) => `'${k}'`).join(', ')}; ${what} takes ${describeArgs(spec, extra)}`);
  }
  return rest;
}

function parseArg(w: Walker, name: string, kind: ArgKind, anchor: Node, node: Node | null): ArgValue {
  if (node === null) w.fail(anchor, `'${name}' has no value`);
  if (typeof kind === 'object') {
    if ('enum' in kind) return w.value(node, (x) => parseEnum(x, kind.enum, name));
    return w.value(node, (x) => parseFlags(x, kind.flags ?? undefined));
  }
  switch (kind) {
    case 'id':
    case 'count':
      return w.value(node, parseCount);
    case 'by': {
      const v = w.plain(node);
      if (typeof v === 'string' && !/^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) {
        return w.value(node, parseName);
      }
      return w.value(node, parseCount);
    }
    case 'addr': {
      const a = w.value(node, parseAddr);
      w.checkName(node, a);
      return a;
    }
    case 'size':
      return w.value(node, parseSize);
    case 'len':
      return w.value(node, parseLength);
    case 'u64':
      return w.value(node, parseU64);
    case 'access_size':
      return w.value(node, parseAccessSize);
    case 'u32':
      return w.value(node, parseU32);
    case 'prot':
      return w.value(node, parseProt);
    case 'string':
      return w.string(node, name);
    case 'holder':
      return w.scalarText(node, name);
    case 'bool':
      return w.bool(node, name);
    case 'name': {
      const v = w.plain(node);
      if (typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) w.fail(node, `'${v}' is a number, not a name`);
      return w.value(node, parseName);
    }
    case 'rights': {
      const v = w.plain(node);
      if (typeof v === 'string' && !/^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) {
        return w.value(node, (x) => parseEnum(x, RIGHTS_VALUES, 'rights'));
      }
      return w.value(node, parseCount);
    }
  }
}

/** A store's value must fit its size (4 bytes unless `size` says otherwise). */
function checkWriteValue(w: Walker, args: Record<string, ArgValue>, entries: Entry[]): void {
  const size = typeof args.size === 'number' ? args.size : 4;
  const v = args.value;
  if (typeof v !== 'number' && typeof v !== 'bigint') return;
  if (BigInt(v) >= 1n << BigInt(size * 8)) {
    const node = entries.find((e) => e.key === 'value')?.value ?? null;
    if (node !== null)
      w.error(node, `value 0x${BigInt(v).toString(16)} does not fit in ${size} byte${size === 1 ? '' : 's'}; give a size: 8 for a 64-bit store`);
  }
}

function checkPageout(w: Walker, args: Record<string, ArgValue>, anchor: Node): void {
  const hasAddr = args.addr !== undefined;
  const hasLen = args.len !== undefined;
  if (hasAddr !== hasLen) w.error(anchor, 'pageout over a range needs both addr and len');
  if ((hasAddr || hasLen) && args.pid === undefined) w.error(anchor, 'pageout over a range needs the pid');
  if ((hasAddr || hasLen) && args.pages !== undefined) w.error(anchor, 'pageout takes either a range (addr, len) or pages, not both');
}

function parseConcurrent(w: Walker, node: Node | null, anchor: Node, pos: SourcePos): Step {
  const map = w.map(node, 'concurrent', anchor);
  const entries = w.entries(map);
  w.onlyKeys(entries, KEYS.concurrent, 'concurrent');
  const step: Step = { op: 'concurrent', args: {}, pos };
  const threads = entries.find((e) => e.key === 'threads');
  if (threads === undefined) w.fail(map, 'concurrent needs threads: a list of step lists, one per kernel thread');
  const tseq = w.seq(threads.value, 'threads', threads.keyNode);
  if (tseq.items.length === 0) w.fail(tseq, 'concurrent needs at least one thread');
  const lists: Step[][] = [];
  for (const item of tseq.items) {
    const n = w.deref(item);
    const list = w.guard(() => {
      const s = w.seq(n, 'a thread of concurrent (a list of steps)', tseq);
      if (s.items.length === 0) w.fail(s, 'a thread of concurrent needs at least one step');
      return parseSteps(w, s, tseq, true);
    });
    lists.push(list ?? []);
  }
  step.args.threads = lists;
  for (const e of entries) {
    w.guard(() => {
      if (e.key === 'schedule') {
        const s = w.seq(e.value, 'schedule', e.keyNode);
        const sched: number[] = [];
        for (const item of s.items) {
          const n = w.deref(item);
          w.guard(() => {
            const i = w.value(n, parseCount);
            if (i >= lists.length) {
              w.fail(n, `schedule names thread ${i}, but concurrent has ${lists.length} thread${lists.length === 1 ? '' : 's'} (0 to ${lists.length - 1})`);
            }
            sched.push(i);
          });
        }
        step.args.schedule = sched;
      } else if (e.key === 'expect') {
        step.expect = parseExpectation(w, e.value, e.keyNode, undefined, outcomeFields('concurrent'));
      } else if (e.key === 'expect_on') {
        step.expectOn = parseExpectOn(w, e.value, e.keyNode, undefined, outcomeFields('concurrent'));
      }
    });
  }
  return step;
}

function parseCheck(w: Walker, node: Node | null, anchor: Node, pos: SourcePos): Step[] {
  if (node !== null && isSeq(node)) {
    if (node.items.length === 0) w.fail(node, 'check needs at least one map of queries');
    const out: Step[] = [];
    for (const item of node.items) {
      const n = w.deref(item);
      const s = w.guard(() => parseCheckMap(w, n, node, n === null ? pos : w.pos(n)));
      if (s !== undefined) out.push(s);
    }
    return out;
  }
  return [parseCheckMap(w, node, anchor, pos)];
}

function parseCheckMap(w: Walker, node: Node | null, anchor: Node, pos: SourcePos): Step {
  const map = w.map(node, 'check (a map of queries such as { rss: { pid: 1 } }, or a list of them)', anchor);
  const entries = w.entries(map);
  const step: Step = { op: 'check', args: {}, pos };
  const queries: CheckQuery[] = [];
  let save: Entry | undefined;
  const later: Entry[] = [];
  for (const e of entries) {
    if (e.key === 'save') {
      save = e;
      continue;
    }
    if (e.key === 'expect' || e.key === 'expect_on') {
      later.push(e);
      continue;
    }
    const spec = QUERIES[e.key];
    if (spec === undefined) {
      w.error(e.keyNode, `unknown query '${e.key}'${didYouMean(e.key, CHECK_QUERIES)}; known: ${CHECK_QUERIES.join(', ')} (and save, expect, expect_on)`);
      continue;
    }
    w.guard(() => {
      const qnode = e.value;
      // `swap_used:` with no value is `swap_used: {}`.
      const qmap = qnode === null ? null : w.map(qnode, `the arguments of query ${e.key}`, e.keyNode);
      const args: Record<string, ArgValue> = {};
      parseArgs(w, `query ${e.key}`, spec, qmap === null ? [] : w.entries(qmap), qmap ?? e.keyNode, args, []);
      queries.push({ query: e.key, args: args as CheckQuery['args'], pos: w.pos(e.keyNode) });
    });
  }
  if (!entries.some((e) => !['save', 'expect', 'expect_on'].includes(e.key))) {
    w.error(map, `check needs at least one query; known: ${CHECK_QUERIES.join(', ')}`);
  }
  step.args.queries = queries;
  const qfields = [...queries.map((q) => q.query), 'errno', 'error'];
  for (const e of later) {
    if (e.key === 'expect') step.expect = w.guard(() => parseExpectation(w, e.value, e.keyNode, undefined, qfields));
    else step.expectOn = w.guard(() => parseExpectOn(w, e.value, e.keyNode, undefined, qfields));
  }
  if (save !== undefined) {
    const s = save;
    w.guard(() => {
      step.save = w.value(s.value, parseName);
      w.saves.add(step.save);
    });
  }
  return step;
}

/** The most steps one `repeat` may unroll to (its own and nested ones). */
export const MAX_REPEATED_STEPS = 1_000_000;

/**
 * `repeat: { times, index?, steps }`: the steps, `times` times, with the loop index (`$i` unless `index`
 * names it) put into their values. Unrolled here, so every later stage (runner, compare, replay, explore)
 * sees plain steps, each reported at its position in the file.
 */
function parseRepeat(w: Walker, node: Node | null, anchor: Node, nested: boolean): Step[] {
  const map = w.map(node, 'repeat (a map: times, steps, and optionally index)', anchor);
  const entries = w.entries(map);
  w.onlyKeys(entries, KEYS.repeat, 'repeat');
  const timesE = entries.find((e) => e.key === 'times');
  const stepsE = entries.find((e) => e.key === 'steps');
  if (timesE === undefined || stepsE === undefined) w.fail(map, 'repeat needs times (a count) and steps (a list of steps)');
  const times = w.value(timesE.value ?? timesE.keyNode, parseCount);
  const indexE = entries.find((e) => e.key === 'index');
  const index = indexE === undefined ? 'i' : w.value(indexE.value ?? indexE.keyNode, parseName);
  if (w.loop.has(index)) w.fail(indexE?.value ?? map, `the loop index $${index} is already bound by an enclosing repeat; give this one another (index: j)`);
  const out: Step[] = [];
  try {
    for (let i = 0; i < Math.max(times, 1); i++) {
      w.loop.set(index, i);
      const before = w.errors.length;
      const steps = parseSteps(w, stepsE.value, stepsE.keyNode, nested);
      // a mistake is reported once, from the first pass
      if (w.errors.length > before) return [];
      if (times === 0) return [];
      if (i === 0 && steps.length * times > MAX_REPEATED_STEPS) {
        w.fail(timesE.keyNode, `repeat unrolls to more than ${MAX_REPEATED_STEPS} steps; use touch for large ranges, or fewer times`);
      }
      for (const st of steps) out.push(st);
    }
  } finally {
    w.loop.delete(index);
  }
  return out;
}

/** `generate: { name, PARAM: N, ... }`: a workload generator run as one step, its parameters checked here. */
function parseGenerate(w: Walker, node: Node | null, anchor: Node, pos: SourcePos): Step {
  const map = w.map(node, "generate (a map: name and the generator's parameters)", anchor);
  const entries = w.entries(map);
  const nameE = entries.find((e) => e.key === 'name');
  if (nameE === undefined) w.fail(map, `generate needs name: one of ${[...GENERATORS.keys()].join(', ')}`);
  const name = w.string(nameE.value, 'name');
  const g = GENERATORS.get(name);
  if (g === undefined)
    w.fail(nameE.value, `unknown generator '${name}'${didYouMean(name, [...GENERATORS.keys()])}; generators: ${[...GENERATORS.keys()].join(', ')}`);
  const step: Step = { op: 'generate', args: { name }, pos };
  const params: Record<string, number> = {};
  for (const e of entries) {
    if (e.key === 'name') continue;
    if (e.key === 'expect') step.expect = w.guard(() => parseExpectation(w, e.value, e.keyNode, undefined, outcomeFields('generate')));
    else if (e.key === 'expect_on') step.expectOn = w.guard(() => parseExpectOn(w, e.value, e.keyNode, undefined, outcomeFields('generate')));
    else if (!(e.key in g.params))
      w.error(
        e.keyNode,
        `generator ${name} has no parameter '${e.key}'${didYouMean(e.key, Object.keys(g.params))}; it has ${Object.keys(g.params).join(', ')}`,
      );
    else {
      const v = w.guard(() => w.value(e.value ?? e.keyNode, parseCount));
      if (v !== undefined) params[e.key] = v;
    }
  }
  step.args.params = Object.entries(params).map(([k, v]) => `${k}=${v}`);
  return step;
}
