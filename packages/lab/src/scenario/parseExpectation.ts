/** Expectations (SCENARIO.md "Expectations"): outcome maps, comparisons, alternatives and `$saved` references. */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { CmpOp, ExpectValue, Expectation, SavedRef } from './ast.ts';
import { ValueError, looksLikeSize, parseAddr, parseNumber, parseSize, parseU64 } from './values.ts';
import { substituteIndex, type Walker } from './Walker.ts';
import { didYouMean } from '@vmlab/core';

const CMP_OPS: readonly CmpOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
/** Outcome and query fields whose expected strings are addresses. */
const ADDR_FIELDS = new Set(['addr', 'start', 'end']);

/** The top-level fields a step's outcome may have (docs/scenario-format.md "Steps"). */
export const OUTCOME_FIELDS = ['ok', 'addr', 'value', 'errno', 'signal', 'code', 'pkey', 'pages', 'key', 'error'] as const;
const FAULT_SUMMARY = ['faults', 'zero_fill', 'cow', 'pagein', 'soft'];
/** Steps whose outcome has more fields (the workload steps' summaries). */
const MORE_FIELDS: Record<string, readonly string[]> = {
  touch: FAULT_SUMMARY,
  generate: ['ops', 'accesses', ...FAULT_SUMMARY, 'signals', 'refused', 'not_replayed'],
};
/** The outcome fields of an operation's step (a `concurrent` step's: any step's). */
export function outcomeFields(op: string): readonly string[] {
  if (op === 'concurrent') return [...OUTCOME_FIELDS, ...new Set(Object.values(MORE_FIELDS).flat())];
  return [...OUTCOME_FIELDS, ...(MORE_FIELDS[op] ?? [])];
}

/**
 * An expectation. `fields`: the outcome fields the step can have; an expectation that
 * names none of them, or is empty, would hold without checking anything, so it is refused.
 */
export function parseExpectation(
  w: Walker,
  node: Node | null,
  anchor: Node,
  field: string | undefined,
  fields: readonly string[] = OUTCOME_FIELDS,
): Expectation {
  if (node === null || !isMap(node)) {
    w.fail(node ?? anchor, 'expect must be a map of outcome fields, e.g. expect: { value: 0x41 } or expect: { errno: EINVAL }');
  }
  checkFields(w, node, fields);
  return { value: parseExpectValue(w, node, field), pos: w.pos(node) };
}

/** Top-level keys of an expectation (and of each one_of alternative) must be outcome fields. */
function checkFields(w: Walker, node: Node, fields: readonly string[]): void {
  if (!isMap(node)) return;
  const entries = w.entries(node);
  if (entries.length === 0) w.fail(node, `an empty expectation checks nothing; name the outcome fields that matter (${fields.join(', ')})`);
  for (const e of entries) {
    if (e.key === 'one_of') {
      if (e.value !== null && isSeq(e.value)) for (const alt of e.value.items) checkFields(w, w.deref(alt)!, fields);
      continue;
    }
    if (!fields.includes(e.key)) w.error(e.keyNode, `the outcome has no field '${e.key}'${didYouMean(e.key, fields)}; it has: ${fields.join(', ')}`);
  }
}

export function parseExpectOn(
  w: Walker,
  node: Node | null,
  anchor: Node,
  field: string | undefined,
  fields: readonly string[] = OUTCOME_FIELDS,
): Record<string, Expectation> {
  const map = w.map(node, 'expect_on (machine name → expectation)', anchor);
  const out: Record<string, Expectation> = {};
  for (const e of w.entries(map)) {
    const x = w.guard(() => parseExpectation(w, e.value, e.keyNode, field, fields));
    if (x !== undefined) out[e.key] = x;
  }
  return out;
}

/** An expected value; `field` is the name of the outcome field it is for. */
function parseExpectValue(w: Walker, node: Node | null, field: string | undefined): ExpectValue {
  if (node === null) return { kind: 'scalar', value: null };
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'bigint') return { kind: 'scalar', value: w.value(node, (x) => ((x as bigint) >= 0n ? parseU64(x) : parseNumber(x))) };
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return { kind: 'scalar', value: v };
    if (typeof v === 'string') {
      // inside repeat: the loop index put in ($i, 0x100+$i); the node is read through w.value below, which does the same
      const sub = w.loop.size > 0 && v.includes('$') ? (w.value(node, (x) => substituteIndex(x, w.loop)) as string) : v;
      if (sub !== v) {
        if (/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(sub)) return { kind: 'scalar', value: w.value(node, parseNumber) };
        if (field !== undefined && ADDR_FIELDS.has(field)) {
          const a = w.value(node, parseAddr);
          w.checkName(node, a);
          return a.name === undefined ? { kind: 'scalar', value: a.offset } : { kind: 'addr', addr: a };
        }
        if (looksLikeSize(sub)) return { kind: 'scalar', value: w.value(node, parseSize) };
        return { kind: 'scalar', value: sub };
      }
      if (v.startsWith('$')) return { kind: 'saved', ref: w.value(node, (x) => parseSavedRef(w, x)) };
      if (field !== undefined && ADDR_FIELDS.has(field)) {
        const a = w.value(node, parseAddr);
        w.checkName(node, a);
        return a.name === undefined ? { kind: 'scalar', value: a.offset } : { kind: 'addr', addr: a };
      }
      if (looksLikeSize(v)) return { kind: 'scalar', value: w.value(node, parseSize) };
      return { kind: 'scalar', value: v };
    }
    w.fail(node, 'unsupported expected value');
  }
  if (isSeq(node)) w.fail(node, 'a list is not an expected value; write alternatives as { one_of: [...] }');
  const map = w.map(node, 'an expected value', node);
  const entries = w.entries(map);
  if (entries.some((e) => e.key === 'one_of')) {
    if (entries.length !== 1) w.fail(map, 'one_of must be the only key of its map');
    const e = entries[0]!;
    const seq = w.seq(e.value, 'one_of', e.keyNode);
    if (seq.items.length === 0) w.fail(seq, 'one_of needs at least one alternative');
    const alternatives: ExpectValue[] = [];
    for (const item of seq.items) {
      const x = w.guard(() => parseExpectValue(w, w.deref(item), field));
      if (x !== undefined) alternatives.push(x);
    }
    return { kind: 'oneOf', alternatives };
  }
  if (entries.length > 0 && entries.every((e) => (CMP_OPS as readonly string[]).includes(e.key))) {
    const ops: { op: CmpOp; rhs: ExpectValue }[] = [];
    for (const e of entries) {
      w.guard(() => {
        const rhs = parseExpectValue(w, e.value, field);
        if (!(rhs.kind === 'addr' || rhs.kind === 'saved' || (rhs.kind === 'scalar' && typeof rhs.value === 'number'))) {
          w.fail(e.value ?? e.keyNode, `${e.key} compares numbers; give a number, an address or a $saved reference`);
        }
        ops.push({ op: e.key as CmpOp, rhs });
      });
    }
    return { kind: 'cmp', ops };
  }
  const fields: Record<string, ExpectValue> = {};
  for (const e of entries) {
    const x = w.guard(() => parseExpectValue(w, e.value, e.key));
    if (x !== undefined) fields[e.key] = x;
  }
  return { kind: 'map', fields };
}

const SAVED_RE = /^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(?:([+-])\s*(\S.*))?$/;

function parseSavedRef(w: Walker, v: unknown): SavedRef {
  const s = String(v).trim();
  const m = SAVED_RE.exec(s);
  if (!m) {
    throw new ValueError(`bad saved reference '${s}': expected $NAME.query or $NAME.query.field, with an optional + N or - N`);
  }
  const ref = m[1]!;
  if (!w.saves.has(ref)) {
    throw new ValueError(`unknown saved check '$${ref}': no earlier check has save: ${ref}`);
  }
  let delta = 0;
  if (m[3] !== undefined) {
    try {
      delta = parseSize(m[4]!);
    } catch {
      throw new ValueError(`bad saved reference '${s}': '${m[4]}' is not a number`);
    }
    if (m[3] === '-') delta = -delta;
  }
  return { ref, path: m[2]!.slice(1).split('.'), delta };
}
