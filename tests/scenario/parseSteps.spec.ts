import type { CheckQuery, Step } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { FIRST, errorsOf, loc, oneError, stepsOf, withSteps } from '../helpers/parse.ts';

describe('parseScenario', () => {
  describe('when a step names an unknown operation', () => {
    it('should report the op key with a suggestion', () => {
      const e = oneError(withSteps('  - reed: { pid: 1, addr: buf }\n'));
      expect(e).toMatchObject({ line: FIRST, col: 5 });
      expect(e.problem).toMatch(/unknown operation 'reed' \(did you mean 'read'\?\)/);
    });
  });

  describe('when a step has an unknown argument', () => {
    it('should report the key and name the allowed ones', () => {
      const e = oneError(withSteps('  - write: { pid: 1, addr: buf, value: 1, vaule: 2 }\n'));
      expect(e).toMatchObject({ line: FIRST, col: 43 });
      expect(e.problem).toContain("unknown argument 'vaule' for write");
      expect(e.problem).toContain('write takes pid, addr, value, size?, tid?, expect?, expect_on?');
    });
  });

  describe('when a step misses a required argument', () => {
    it('should report the argument map', () => {
      const e = oneError(withSteps('  - munmap: { pid: 1, addr: buf }\n'));
      expect(e).toMatchObject({ line: FIRST, col: 13 });
      expect(e.problem).toContain("munmap is missing 'len'");
    });

    it('should report the op when there are no arguments at all', () => {
      const e = oneError(withSteps('  - execve:\n'));
      expect(e).toMatchObject({ line: FIRST, col: 5 });
      expect(e.problem).toContain("execve is missing 'pid'");
    });
  });

  describe('when a value is malformed', () => {
    it('should report a bad size at the value', () => {
      const t = withSteps('  - munmap: { pid: 1, addr: buf, len: 4 KB }\n');
      expect(oneError(t)).toMatchObject(loc(t, '4 KB'));
      const e = oneError(t);
      expect(e.problem).toMatch(/bad size '4 KB'/);
    });

    it('should report a bad prot at the value', () => {
      const t = withSteps('  - mprotect: { pid: 1, addr: buf, len: 4096, prot: rwz }\n');
      const e = oneError(t);
      expect(e).toMatchObject(loc(t, 'rwz'));
      expect(e.problem).toMatch(/bad prot 'rwz'/);
    });

    it('should report a bad address at the value', () => {
      const t = withSteps('  - read: { pid: 1, addr: buf+lots }\n');
      const e = oneError(t);
      expect(e).toMatchObject(loc(t, 'buf+lots'));
      expect(e.problem).toMatch(/bad address 'buf\+lots'/);
    });

    it('should report a name no earlier as: binds', () => {
      const t = withSteps('  - read: { pid: 1, addr: bfu+4 }\n');
      const e = oneError(t);
      expect(e).toMatchObject(loc(t, 'bfu+4'));
      expect(e.problem).toContain("unknown name 'bfu'");
    });

    it('should report a value beyond the store size at the value', () => {
      const t = withSteps('  - write: { pid: 1, addr: buf, value: 0x100000000 }\n');
      const e = oneError(t);
      expect(e).toMatchObject(loc(t, '0x100000000'));
      expect(e.problem).toContain('0x100000000 does not fit in 4 bytes');
      const t2 = withSteps('  - write: { pid: 1, addr: buf, value: 0x100, size: 1 }\n');
      expect(oneError(t2)).toMatchObject(loc(t2, '0x100'));
      const t3 = withSteps('  - write: { pid: 1, addr: buf, value: 0x10000000000000000, size: 8 }\n');
      expect(oneError(t3).problem).toContain('does not fit in 64 bits');
    });

    it('should report an enumerated argument outside its values', () => {
      const t = withSteps('  - madvise: { pid: 1, addr: buf, len: 4096, advice: sequential }\n');
      const e = oneError(t);
      expect(e).toMatchObject(loc(t, 'sequential'));
      expect(e.problem).toContain('expected one of dontneed, free, willneed');
    });

    it('should report an unknown mmap flag', () => {
      const t = withSteps('  - mmap: { pid: 1, len: 4096, prot: r, flags: [privat] }\n');
      const e = oneError(t);
      expect(e).toMatchObject(loc(t, '[privat]'));
      expect(e.problem).toContain("unknown flag 'privat'");
    });
  });

  describe('when steps are normalised', () => {
    it('should convert every argument kind', () => {
      const steps = stepsOf(
        withSteps(
          `${[
            '  - thread: { pid: 1, tid: 1, by: 0, cpu: 1 }',
            '  - mmap: { pid: 1, addr: 0x20000000, len: 2 pages, prot: xr, flags: 0x1012, file: /a, offset: 1 page, tid: 1 }',
            '  - sysarch: { pid: 1, op: set_pkru, addr: buf, len: 4KiB, key: 5, flags: [persist] }',
            '  - fetch: { pid: 1, addr: buf+4, branch: call }',
            '  - peek: { pid: 2, addr: buf, by: 1 }',
            '  - hold: { pid: 1, holder: ptrace }',
            '  - release: { pid: 1, holder: 7 }',
            '  - revoke: { file: /a, even_cows: true }',
            '  - pkey_alloc: { pid: 1, rights: access }',
            '  - pkey_alloc: { pid: 1, rights: 0x2, flags: 0 }',
            '  - wrpkru: { pid: 1, value: 0x55555554, by: 2 }',
            '  - pageout: {}',
            '  - pageout: { pid: 1, addr: buf, len: 1 page }',
            '  - pageout: { pages: 3 }',
            '  - context_switch: { cpu: 1 }',
            '  - spawn: { pid: 9, kernel: true }',
          ].join('\n')}\n`,
        ),
      ).slice(2);
      expect(steps.map((s) => s.args)).toEqual([
        { pid: 1, tid: 1, by: 0, cpu: 1 },
        { pid: 1, addr: { offset: 0x20000000 }, len: 8192, prot: 'rx', flags: 0x1012, file: '/a', offset: 4096, tid: 1 },
        { pid: 1, op: 'set_pkru', addr: { name: 'buf', offset: 0 }, len: 4096, key: 5, flags: ['persist'] },
        { pid: 1, addr: { name: 'buf', offset: 4 }, branch: 'call' },
        { pid: 2, addr: { name: 'buf', offset: 0 }, by: 1 },
        { pid: 1, holder: 'ptrace' },
        { pid: 1, holder: '7' },
        { file: '/a', even_cows: true },
        { pid: 1, rights: 'access' },
        { pid: 1, rights: 2, flags: 0 },
        { pid: 1, value: 0x55555554, by: 2 },
        {},
        { pid: 1, addr: { name: 'buf', offset: 0 }, len: 4096 },
        { pages: 3 },
        { cpu: 1 },
        { pid: 9, kernel: true },
      ]);
    });

    it('should refuse tid where no thread performs the step', () => {
      const e = oneError(withSteps('  - swapout: { pid: 1, tid: 1 }\n'));
      expect(e.problem).toContain("unknown argument 'tid' for swapout");
    });

    it('should refuse a half range in pageout', () => {
      const e = oneError(withSteps('  - pageout: { pid: 1, addr: buf }\n'));
      expect(e.problem).toContain('needs both addr and len');
    });
  });

  describe('when a step is concurrent', () => {
    it('should parse each thread as a step list and keep the schedule', () => {
      const steps = stepsOf(
        withSteps(
          '  - concurrent:\n      threads:\n        - [ { munmap: { pid: 1, addr: buf, len: 1 page } } ]\n        - - read: { pid: 1, addr: buf }\n          - write: { pid: 1, addr: buf, value: 1 }\n      schedule: [1, 0, 1]\n',
        ),
      );
      const c = steps[2]!;
      expect(c.op).toBe('concurrent');
      const threads = c.args.threads as Step[][];
      expect(threads.map((t) => t.map((s) => s.op))).toEqual([['munmap'], ['read', 'write']]);
      expect(threads[1]![0]!.pos).toMatchObject({ line: FIRST + 3, col: 13 });
      expect(c.args.schedule).toEqual([1, 0, 1]);
    });

    it('should refuse a nested concurrent at its key', () => {
      const e = oneError(withSteps('  - concurrent:\n      threads:\n        - - concurrent: { threads: [[ { execve: { pid: 1 } } ]] }\n'));
      expect(e).toMatchObject({ line: FIRST + 2, col: 13 });
      expect(e.problem).toContain('cannot be nested');
    });

    it('should refuse a schedule naming a thread that does not exist', () => {
      const t = withSteps('  - concurrent: { threads: [[ { execve: { pid: 1 } } ]], schedule: [0, 2] }\n');
      const e = oneError(t);
      expect(e).toMatchObject(loc(t, '2]'));
      expect(e.problem).toContain('schedule names thread 2');
    });
  });

  describe('when a step is a check', () => {
    it('should produce the queries, save and expect', () => {
      const [c] = stepsOf(
        withSteps(
          '  - check: { rss: { pid: 1 }, entry: { pid: 1, addr: buf }, pkru: { pid: 1, tid: 0 }, swap_used: {}, free_pages:, events: { kind: fault }, save: before, expect: { rss: { ge: 1 } } }\n',
        ),
      ).slice(2);
      expect(c!.op).toBe('check');
      expect((c!.args.queries as CheckQuery[]).map(({ query, args }) => ({ query, args }))).toEqual([
        { query: 'rss', args: { pid: 1 } },
        { query: 'entry', args: { pid: 1, addr: { name: 'buf', offset: 0 } } },
        { query: 'pkru', args: { pid: 1, tid: 0 } },
        { query: 'swap_used', args: {} },
        { query: 'free_pages', args: {} },
        { query: 'events', args: { kind: 'fault' } },
      ]);
      expect(c!.save).toBe('before');
      expect(c!.expect!.value).toEqual({
        kind: 'map',
        fields: { rss: { kind: 'cmp', ops: [{ op: 'ge', rhs: { kind: 'scalar', value: 1 } }] } },
      });
    });

    it('should give one check step per map of a list', () => {
      const steps = stepsOf(withSteps('  - check:\n      - { rss: { pid: 1 }, save: a }\n      - { rss: { pid: 1 }, expect: { rss: "$a.rss + 1" } }\n')).slice(
        2,
      );
      expect(steps.map((s) => [s.op, s.save, s.pos.line, s.pos.col])).toEqual([
        ['check', 'a', FIRST + 1, 9],
        ['check', undefined, FIRST + 2, 9],
      ]);
    });

    it('should refuse an unknown query and a bad query argument', () => {
      const t = withSteps('  - check: { rs: { pid: 1 }, pte: { pid: 1, adr: buf } }\n');
      const errs = errorsOf(t);
      expect(errs).toMatchObject([
        { ...loc(t, 'rs:'), problem: expect.stringContaining("unknown query 'rs' (did you mean 'rss'?)") },
        { ...loc(t, '{ pid: 1, adr'), problem: expect.stringContaining("query pte is missing 'addr'") },
        { ...loc(t, 'adr:'), problem: expect.stringContaining("unknown argument 'adr' for query pte") },
      ]);
    });

    it('should refuse a reference to a check nobody saved', () => {
      const t = withSteps('  - check: { rss: { pid: 1 }, expect: { rss: "$befor.rss" } }\n');
      const e = oneError(t);
      expect(e).toMatchObject(loc(t, '"$befor'));
      expect(e.problem).toContain("unknown saved check '$befor'");
    });
  });
});
