import { describe, expect, it } from 'vitest';
import type { AddrExpr, ExpectValue } from './ast.ts';
import { matchExpectation, type MatchContext } from './matchExpectation.ts';
import { parseScenario } from './parseScenario.ts';

/** Query fields the specs' expectations name; an expectation naming one is hosted on a check that asks it. */
const QUERY_ARGS: Record<string, string> = {
  rss: '{ pid: 1 }',
  footprint: '{ pid: 1 }',
  entry: '{ pid: 1, addr: buf }',
  pte: '{ pid: 1, addr: buf }',
  object: '{ pid: 1, addr: buf }',
};

/**
 * The expectation of a step, parsed as a scenario would have it: a read's, or (when it
 * names query fields) a check's that asks those queries. The parser refuses an
 * expectation naming no field of its step's outcome; the matcher itself is tested here.
 */
function exp(text: string): ExpectValue {
  const queries = Object.keys(QUERY_ARGS).filter((q) => new RegExp(`\\b${q}:`).test(text.replace(/\$before\.\w+/g, '')));
  const host =
    queries.length === 0
      ? `  - read: { pid: 1, addr: buf, expect: ${text} }`
      : `  - check: { ${queries.map((q) => `${q}: ${QUERY_ARGS[q]}`).join(', ')}, expect: ${text} }`;
  const s = parseScenario(
    [
      'name: t',
      'steps:',
      '  - spawn: { pid: 1 }',
      '  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: buf }',
      '  - check: { footprint: { pid: 1 }, object: { pid: 1, addr: buf }, save: before }',
      host,
    ].join('\n'),
    'f.yaml',
  );
  return s.steps[3]!.expect!.value;
}

const ERRNO: Record<string, number> = { EINVAL: 22, EFAULT: 14, EOPNOTSUPP: 45, ENOTSUP: 45, ESRCH: 3 };
const BUF = 0x10000000;

const ctx: MatchContext = {
  resolveAddr: (a: AddrExpr) => (a.name === undefined ? a.offset : a.name === 'buf' ? BUF + Number(a.offset) : undefined),
  errnoValue: (name) => ERRNO[name],
  saved: (name) => (name === 'before' ? { footprint: 40, object: { id: 7, depth: 0, refs: 2 } } : undefined),
};

describe('matchExpectation', () => {
  describe('when the expected fields equal the outcome', () => {
    it('should hold and ignore fields the expectation leaves out', () => {
      const outcome = { signal: 'SIGSEGV', code: 'SEGV_ACCERR', addr: 0x10000000, pkey: 5 };
      expect(matchExpectation(exp('{ signal: SIGSEGV, pkey: 5 }'), outcome, ctx)).toBeNull();
      expect(matchExpectation(exp('{ ok: true }'), { ok: true, addr: BUF }, ctx)).toBeNull();
      // The parser refuses `expect: {}` (it would check nothing); the matcher holds on it.
      expect(matchExpectation({ kind: 'map', fields: {} }, { value: 3 }, ctx)).toBeNull();
    });

    it('should ignore left-out fields at any depth', () => {
      const entry = { start: BUF, end: BUF + 4096, prot: 'rw', maxprot: 'rwx', inherit: 'copy', shared: false };
      expect(matchExpectation(exp('{ entry: { prot: rw, end: buf+1 page } }'), { entry }, ctx)).toBeNull();
    });
  });

  describe('when a value differs', () => {
    it('should name the field and print words and addresses in hex', () => {
      expect(matchExpectation(exp('{ value: 0x11 }'), { value: 0x55 }, ctx)).toBe('value: expected 0x11, got 0x55');
      expect(matchExpectation(exp('{ value: 3 }'), { value: 5 }, ctx)).toBe('value: expected 3, got 5');
      expect(matchExpectation(exp('{ rss: 20 }'), { rss: 17 }, ctx)).toBe('rss: expected 20, got 17');
    });

    it('should give the nested path', () => {
      expect(matchExpectation(exp('{ pte: { writable: false } }'), { pte: { present: true, writable: true } }, ctx)).toBe(
        'pte.writable: expected false, got true',
      );
    });

    it('should report an absent field', () => {
      expect(matchExpectation(exp('{ value: 0x11 }'), { signal: 'SIGSEGV' }, ctx)).toBe('value: expected 0x11, got (absent)');
    });
  });

  describe('when the expected field is an address', () => {
    it('should resolve names', () => {
      expect(matchExpectation(exp('{ addr: buf+0x10 }'), { addr: BUF + 0x10 }, ctx)).toBeNull();
      expect(matchExpectation(exp('{ addr: buf+0x10 }'), { addr: BUF }, ctx)).toBe('addr: expected buf+0x10 (0x10000010), got 0x10000000');
    });

    it('should report a name the run did not bind', () => {
      const unbound: MatchContext = { ...ctx, resolveAddr: () => undefined };
      expect(matchExpectation(exp('{ addr: buf }'), { addr: BUF }, unbound)).toBe("addr: name 'buf' is not bound");
    });
  });

  describe('when errno names are compared', () => {
    it('should compare their numeric values', () => {
      expect(matchExpectation(exp('{ errno: EOPNOTSUPP }'), { errno: 'ENOTSUP' }, ctx)).toBeNull();
      expect(matchExpectation(exp('{ errno: EINVAL }'), { errno: 'EINVAL' }, ctx)).toBeNull();
      expect(matchExpectation(exp('{ errno: EINVAL }'), { errno: 'EFAULT' }, ctx)).toBe('errno: expected EINVAL, got EFAULT');
    });
  });

  describe('when none is expected', () => {
    it('should match the none answer', () => {
      expect(matchExpectation(exp('{ pte: none }'), { pte: 'none' }, ctx)).toBeNull();
      expect(matchExpectation(exp('{ pte: none }'), { pte: { present: true } }, ctx)).toBe('pte: expected none, got { present: true }');
    });
  });

  describe('when a map is expected against a scalar', () => {
    it('should be a mismatch', () => {
      expect(matchExpectation(exp('{ entry: { prot: rw } }'), { entry: 'none' }, ctx)).toBe('entry: expected { prot: rw }, got none');
    });
  });

  describe('when alternatives are given', () => {
    it('should hold if any holds', () => {
      const e = exp('{ one_of: [ { value: 0x11 }, { errno: EFAULT } ] }');
      expect(matchExpectation(e, { value: 0x11 }, ctx)).toBeNull();
      expect(matchExpectation(e, { errno: 'EFAULT' }, ctx)).toBeNull();
      expect(matchExpectation(e, { value: 0x12 }, ctx)).toBe(
        'none of 2 alternatives holds (value: expected 0x11, got 0x12; errno: expected EFAULT, got (absent))',
      );
    });

    it('should work inside a field', () => {
      expect(matchExpectation(exp('{ value: { one_of: [1, 2] } }'), { value: 2 }, ctx)).toBeNull();
    });
  });

  describe('when a numeric field is compared', () => {
    it('should apply every operator', () => {
      const e = exp('{ rss: { ge: 4, lt: 8 } }');
      expect(matchExpectation(e, { rss: 4 }, ctx)).toBeNull();
      expect(matchExpectation(e, { rss: 8 }, ctx)).toBe('rss: expected >= 4 and < 8, got 8');
      expect(matchExpectation(exp('{ rss: { ne: 0 } }'), { rss: 0 }, ctx)).toBe('rss: expected != 0, got 0');
      expect(matchExpectation(exp('{ rss: { eq: 1, le: 1, gt: 0 } }'), { rss: 1 }, ctx)).toBeNull();
    });

    it('should refuse a non-number', () => {
      expect(matchExpectation(exp('{ rss: { ge: 1 } }'), { rss: 'none' }, ctx)).toBe('rss: expected >= 1, got none');
    });
  });

  describe('when a saved check is referenced', () => {
    it('should resolve the query and add the delta', () => {
      expect(matchExpectation(exp('{ footprint: "$before.footprint - 32" }'), { footprint: 8 }, ctx)).toBeNull();
      expect(matchExpectation(exp('{ footprint: "$before.footprint + 1" }'), { footprint: 40 }, ctx)).toBe(
        'footprint: expected $before.footprint + 1 (41), got 40',
      );
    });

    it('should resolve a field of a map-valued query', () => {
      expect(matchExpectation(exp('{ object: { id: "$before.object.id" } }'), { object: { id: 7, depth: 1 } }, ctx)).toBeNull();
      expect(matchExpectation(exp('{ object: { id: "$before.object.id" } }'), { object: { id: 8 } }, ctx)).toBe(
        'object.id: expected $before.object.id (7), got 8',
      );
    });

    it('should work inside a comparison', () => {
      expect(matchExpectation(exp('{ footprint: { lt: "$before.footprint" } }'), { footprint: 39 }, ctx)).toBeNull();
      expect(matchExpectation(exp('{ footprint: { lt: "$before.footprint" } }'), { footprint: 40 }, ctx)).toBe('footprint: expected < 40, got 40');
    });

    it('should report a check that did not run or a missing field', () => {
      const none: MatchContext = { ...ctx, saved: () => undefined };
      expect(matchExpectation(exp('{ footprint: "$before.footprint" }'), { footprint: 1 }, none)).toBe(
        'footprint: $before was not saved (its check did not run)',
      );
      expect(matchExpectation(exp('{ value: "$before.object.size" }'), { value: 1 }, ctx)).toBe('value: $before.object.size: the saved check has no size');
    });
  });

  describe('when the expectation is a bare scalar', () => {
    it('should compare without a path', () => {
      expect(matchExpectation({ kind: 'scalar', value: 3 }, 3, ctx)).toBeNull();
      expect(matchExpectation({ kind: 'scalar', value: 3 }, 4, ctx)).toBe('expected 3, got 4');
    });
  });
});
