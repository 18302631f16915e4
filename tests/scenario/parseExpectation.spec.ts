import { describe, expect, it } from 'vitest';
import { errorsOf, loc, stepsOf, withSteps } from '../helpers/parse.ts';

describe('parseScenario', () => {
  describe('when expectations are parsed', () => {
    // An expectation names the outcome fields of its step: a read's, or (on: 'check') the
    // queries entry, pte and object of a check.
    function expectOf(exp: string, on: 'read' | 'check' = 'read') {
      const host =
        on === 'read'
          ? `  - read: { pid: 1, addr: buf, expect: ${exp} }\n`
          : `  - check: { entry: { pid: 1, addr: buf }, pte: { pid: 1, addr: buf }, object: { pid: 1, addr: buf }, expect: ${exp} }\n`;
      const steps = stepsOf(withSteps(`  - check: { rss: { pid: 1 }, save: o }\n${host}`));
      return steps[3]!.expect!.value;
    }

    it('should read addresses in addr, start and end fields only', () => {
      expect(expectOf('{ signal: SIGSEGV, code: SEGV_MAPERR, addr: buf+0x10 }')).toEqual({
        kind: 'map',
        fields: {
          signal: { kind: 'scalar', value: 'SIGSEGV' },
          code: { kind: 'scalar', value: 'SEGV_MAPERR' },
          addr: { kind: 'addr', addr: { name: 'buf', offset: 16 } },
        },
      });
      expect(expectOf('{ entry: { start: buf, end: 0x10001000, prot: rw } }', 'check')).toEqual({
        kind: 'map',
        fields: {
          entry: {
            kind: 'map',
            fields: {
              start: { kind: 'addr', addr: { name: 'buf', offset: 0 } },
              end: { kind: 'scalar', value: 0x10001000 },
              prot: { kind: 'scalar', value: 'rw' },
            },
          },
        },
      });
    });

    it('should keep none, errno names and booleans as scalars and sizes as bytes', () => {
      expect(expectOf('{ errno: EINVAL, pte: none, entry: { wired: true, size: 2MiB } }', 'check')).toEqual({
        kind: 'map',
        fields: {
          errno: { kind: 'scalar', value: 'EINVAL' },
          pte: { kind: 'scalar', value: 'none' },
          entry: { kind: 'map', fields: { wired: { kind: 'scalar', value: true }, size: { kind: 'scalar', value: 2 * 1024 * 1024 } } },
        },
      });
    });

    it('should read one_of, comparisons and saved references', () => {
      expect(expectOf('{ one_of: [ { value: 0 }, { errno: EFAULT } ] }')).toMatchObject({
        kind: 'oneOf',
        alternatives: [{ kind: 'map' }, { kind: 'map' }],
      });
      expect(expectOf('{ value: { ge: 1, lt: "$o.rss - 0x20" } }')).toEqual({
        kind: 'map',
        fields: {
          value: {
            kind: 'cmp',
            ops: [
              { op: 'ge', rhs: { kind: 'scalar', value: 1 } },
              { op: 'lt', rhs: { kind: 'saved', ref: { ref: 'o', path: ['rss'], delta: -32 } } },
            ],
          },
        },
      });
      expect(expectOf('{ object: { id: "$o.object.id" } }', 'check')).toEqual({
        kind: 'map',
        fields: {
          object: { kind: 'map', fields: { id: { kind: 'saved', ref: { ref: 'o', path: ['object', 'id'], delta: 0 } } } },
        },
      });
    });

    it('should refuse a non-map expect, a list value and a one_of with company', () => {
      const t = withSteps(
        '  - read: { pid: 1, addr: buf, expect: 0 }\n  - read: { pid: 1, addr: buf, expect: { value: [1, 2] } }\n  - read: { pid: 1, addr: buf, expect: { one_of: [{ value: 1 }], value: 2 } }\n  - read: { pid: 1, addr: buf, expect: { value: { ge: SIGSEGV } } }\n',
      );
      const errs = errorsOf(t);
      expect(errs).toMatchObject([
        { ...loc(t, '0 }'), problem: expect.stringContaining('expect must be a map') },
        { ...loc(t, '[1, 2]'), problem: expect.stringContaining('one_of') },
        { ...loc(t, '{ one_of'), problem: expect.stringContaining('only key') },
        { ...loc(t, 'SIGSEGV'), problem: expect.stringContaining('ge compares numbers') },
      ]);
    });

    it('should read expect_on per machine', () => {
      const t = withSteps('  - read: { pid: 1, addr: buf, expect_on: { arm64: { value: 1 }, amd64: { errno: EFAULT } } }\n');
      const steps = stepsOf(t);
      expect(Object.keys(steps[2]!.expectOn!)).toEqual(['arm64', 'amd64']);
      expect(steps[2]!.expectOn!.arm64!.pos).toMatchObject(loc(t, '{ value: 1 }'));
    });
  });
});
