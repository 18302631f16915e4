import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckQuery, Step } from './ast.ts';
import { ScenarioError, ScenarioErrors } from './ScenarioError.ts';
import { parseMachineFile, parseScenario } from './parseScenario.ts';

const EXAMPLES = '/work/shared/examples';

/** A scenario whose steps follow a header binding `buf` in pid 1. */
function withSteps(steps: string): string {
  return `name: t\nmachine: amd64\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: buf }\n${steps}`;
}
/** The first line of `steps` in withSteps is line 6. */
const FIRST = 6;

/** 1-based line and column of the first occurrence of `needle` (after `after`, when given). */
function loc(text: string, needle: string, after = ''): { line: number; col: number } {
  const at = text.indexOf(needle, after === '' ? 0 : text.indexOf(after) + after.length);
  if (at < 0) throw new Error(`'${needle}' is not in the text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

function errorsOf(text: string): { line: number; col: number; problem: string }[] {
  try {
    parseScenario(text, 'f.yaml');
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.errors.map(({ line, col, problem }) => ({ line, col, problem }));
  }
  throw new Error('expected the scenario to be refused');
}

function oneError(text: string): { line: number; col: number; problem: string } {
  const errs = errorsOf(text);
  expect(errs, JSON.stringify(errs)).toHaveLength(1);
  return errs[0]!;
}

function stepsOf(text: string): Step[] {
  return parseScenario(text, 'f.yaml').steps;
}

describe('parseScenario', () => {
  describe('when given the shared examples', () => {
    it('should parse fork-inherit.yaml', () => {
      const file = `${EXAMPLES}/fork-inherit.yaml`;
      const s = parseScenario(readFileSync(file, 'utf8'), file);
      expect(s.name).toBe('fork inheritance and COW');
      expect(s.machine).toMatchObject({ kind: 'preset', name: 'amd64' });
      expect(s.steps).toHaveLength(20);
      expect(s.steps[1]).toMatchObject({
        op: 'mmap',
        args: { pid: 1, len: 4096, prot: 'rw', flags: ['private', 'anon'], as: 'cow' },
        pos: { file, line: 6, col: 5 },
      });
      expect(s.steps[5]!.args).toEqual({ pid: 1, addr: { name: 'shared', offset: 0 }, len: 4096, inherit: 'share' });
      expect(s.steps[17]!.expect!.value).toEqual({
        kind: 'map',
        fields: { signal: { kind: 'scalar', value: 'SIGSEGV' }, code: { kind: 'scalar', value: 'SEGV_MAPERR' } },
      });
    });

    it('should parse pkru-swapout.yaml with its inline machine and expect_on', () => {
      const file = `${EXAMPLES}/pkru-swapout.yaml`;
      const s = parseScenario(readFileSync(file, 'utf8'), file);
      expect(s.machine).toBeUndefined();
      expect(s.machines).toHaveLength(2);
      expect(s.machines![0]).toMatchObject({ kind: 'preset', name: 'amd64' });
      const inline = s.machines![1]!;
      expect(inline.kind).toBe('inline');
      if (inline.kind !== 'inline') return;
      expect(inline.spec).toMatchObject({
        name: 'amd64-legacy',
        arch: 'amd64',
        abi: 'freebsd',
        cpus: 2,
        physmem: 64 * 1024 * 1024,
        swap: 128 * 1024 * 1024,
        policies: { 'pkru.clear_on': 'pmap_remove' },
      });
      expect(inline.spec.positions!['policies.pkru.clear_on']).toEqual({ file, ...loc(readFileSync(file, 'utf8'), 'pmap_remove }') });
      const write = s.steps[3]!;
      expect(write.args['addr']).toEqual({ name: 'heap', offset: 4096 });
      const read = s.steps.find((x) => x.op === 'read')!;
      expect(read.expectOn!['amd64-legacy']!.value).toEqual({
        kind: 'map',
        fields: { value: { kind: 'scalar', value: 0xcafe } },
      });
      expect(read.expect!.pos).toMatchObject(loc(readFileSync(file, 'utf8'), '{ signal: SIGSEGV, pkey: 5 }'));
    });
  });

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

  describe('when a step carries two keys', () => {
    it('should say where expect belongs', () => {
      const e = oneError(withSteps('  - read: { pid: 1, addr: buf }\n    expect: { value: 0 }\n'));
      expect(e).toMatchObject({ line: FIRST, col: 5 });
      expect(e.problem).toContain('move expect inside the arguments of read');
    });
  });

  describe('when the file has several problems', () => {
    it('should report all of them, sorted by position, one a line', () => {
      const text = withSteps('  - write: { pid: 1, addr: buf, value: -1 }\n  - reed: {}\nbogus: 1\n');
      const bad = loc(text, '-1');
      let err: unknown;
      try {
        parseScenario(text, 'f.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioErrors);
      const agg = err as ScenarioErrors;
      expect(agg.errors.map((e) => [e.line, e.col])).toEqual([
        [bad.line, bad.col],
        [FIRST + 1, 5],
        [FIRST + 2, 1],
      ]);
      expect(agg.message.split('\n')).toHaveLength(3);
      expect(agg.message.split('\n')[0]).toMatch(new RegExp(`^f\\.yaml:6:${bad.col}: `));
      expect(agg).toMatchObject({ file: 'f.yaml', ...bad });
    });
  });

  describe('when the YAML itself is broken', () => {
    it('should report the syntax error with its position', () => {
      const errs = errorsOf('name: t\nsteps: [\n  - a\n');
      expect(errs[0]).toMatchObject({ line: 3, col: 3 });
    });

    it('should report a duplicate key', () => {
      const e = oneError('name: t\nname: u\nsteps: []\n');
      expect(e).toMatchObject({ line: 2, col: 1 });
    });
  });

  describe('when top-level keys are wrong', () => {
    it('should refuse machine and machines together, at machines', () => {
      const e = oneError('name: t\nmachine: amd64\nmachines: [arm64]\nsteps: []\n');
      expect(e).toMatchObject({ line: 3, col: 1 });
      expect(e.problem).toContain('not both');
    });

    it('should refuse unknown keys and a missing name or steps', () => {
      const errs = errorsOf('machine: amd64\nstep: []\n');
      expect(errs.map((e) => e.problem)).toEqual([
        expect.stringContaining('no name'),
        expect.stringContaining('no steps'),
        expect.stringContaining("unknown key 'step' in a scenario (did you mean 'steps'?)"),
      ]);
      expect(errs[2]).toMatchObject({ line: 2, col: 1 });
    });

    it('should refuse an empty file', () => {
      expect(oneError('')).toMatchObject({ line: 1, col: 1 });
    });
  });

  describe('when an inline machine is wrong', () => {
    it('should report an unknown machine key', () => {
      const e = oneError('name: t\nmachine: { arch: amd64, cpu: 4 }\nsteps: []\n');
      expect(e).toMatchObject({ line: 2, col: 25 });
      expect(e.problem).toContain("unknown key 'cpu' in a machine (did you mean 'cpus'?)");
    });

    it('should report a bad abi at the value', () => {
      const e = oneError('name: t\nmachine:\n  arch: arm64\n  abi: netbsd\nsteps: []\n');
      expect(e).toMatchObject({ line: 4, col: 8 });
      expect(e.problem).toContain('expected one of freebsd, linux, openbsd');
    });

    it('should require a name in machines: and an arch', () => {
      const errs = errorsOf('name: t\nmachines:\n  - { arch: amd64 }\n  - { name: x }\nsteps: []\n');
      expect(errs).toMatchObject([
        { line: 3, col: 5, problem: expect.stringContaining('needs a name') },
        { line: 4, col: 5, problem: expect.stringContaining('no arch') },
      ]);
    });

    it('should refuse cpus out of range and a duplicate machine name', () => {
      const errs = errorsOf('name: t\nmachines: [amd64, { name: amd64, arch: amd64, cpus: 32 }]\nsteps: []\n');
      expect(errs.map((e) => e.problem)).toEqual([
        expect.stringContaining('used twice'),
        expect.stringContaining('cpus must be between 1 and 31'),
      ]);
    });
  });

  describe('when the machine is a string', () => {
    it('should tell a path from a preset', () => {
      const m = (s: string) => parseScenario(`name: t\nmachine: ${s}\nsteps: []\n`, 'f.yaml').machine;
      expect(m('arm64')).toMatchObject({ kind: 'preset', name: 'arm64' });
      expect(m('machines/big.yaml')).toMatchObject({ kind: 'path', path: 'machines/big.yaml' });
      expect(m('big.json')).toMatchObject({ kind: 'path', path: 'big.json' });
    });
  });

  describe('when an inline machine is complete', () => {
    it('should normalise every field and record positions', () => {
      const text = [
        'name: t',
        'machine:',
        '  name: m',
        '  arch: arm64',
        '  abi: linux',
        '  cpus: 4',
        '  physmem: 16MiB',
        '  swap: 0',
        '  features: { bti: false }',
        '  policies: { tlb.shootdown: deferred, pageout.batch: 0x10 }',
        '  plugins: [stats, ./p.ts]',
        '  faults: { swap_read: { at: 3 }, swap_write: { every: 2, count: 1 } }',
        'steps: []',
      ].join('\n');
      const m = parseScenario(text, 'f.yaml').machine!;
      expect(m.kind).toBe('inline');
      if (m.kind !== 'inline') return;
      expect(m.spec).toMatchObject({
        name: 'm',
        arch: 'arm64',
        abi: 'linux',
        cpus: 4,
        physmem: 16 * 1024 * 1024,
        swap: 0,
        features: { bti: false },
        policies: { 'tlb.shootdown': 'deferred', 'pageout.batch': '0x10' },
        plugins: ['stats', './p.ts'],
        faults: { swap_read: { at: 3 }, swap_write: { every: 2, count: 1 } },
      });
      expect(m.spec.positions!['plugins.1']).toEqual({ file: 'f.yaml', ...loc(text, './p.ts') });
      expect(m.spec.positions!['policies.pageout.batch']).toMatchObject(loc(text, '0x10'));
    });
  });

  describe('when files and explore are given', () => {
    it('should normalise them', () => {
      const s = parseScenario(
        'name: t\nfiles:\n  - { path: /a, size: 16KiB, fill: 0x11111111 }\n  - { path: /b, size: 1 page }\nexplore: { expect: violation, invariant: rss }\nsteps: []\n',
        'f.yaml',
      );
      expect(s.files).toEqual([
        { path: '/a', size: 16384, fill: 0x11111111 },
        { path: '/b', size: 4096, fill: 0 },
      ]);
      expect(s.explore).toEqual({ expect: 'violation', invariant: 'rss' });
    });

    it('should refuse a bad explore expectation and a file without size', () => {
      const errs = errorsOf('name: t\nfiles: [{ path: /a }]\nexplore: { expect: dirty }\nsteps: []\n');
      expect(errs).toMatchObject([
        { line: 2, col: 9, problem: expect.stringContaining('needs a size') },
        { line: 3, col: 20, problem: expect.stringContaining('clean, violation') },
      ]);
    });
  });

  describe('when steps are normalised', () => {
    it('should convert every argument kind', () => {
      const steps = stepsOf(
        withSteps(
          [
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
          ].join('\n') + '\n',
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
      const threads = c.args['threads'] as Step[][];
      expect(threads.map((t) => t.map((s) => s.op))).toEqual([['munmap'], ['read', 'write']]);
      expect(threads[1]![0]!.pos).toMatchObject({ line: FIRST + 3, col: 13 });
      expect(c.args['schedule']).toEqual([1, 0, 1]);
    });

    it('should refuse a nested concurrent at its key', () => {
      const e = oneError(
        withSteps('  - concurrent:\n      threads:\n        - - concurrent: { threads: [[ { execve: { pid: 1 } } ]] }\n'),
      );
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
      expect((c!.args['queries'] as CheckQuery[]).map(({ query, args }) => ({ query, args }))).toEqual([
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
      const steps = stepsOf(
        withSteps('  - check:\n      - { rss: { pid: 1 }, save: a }\n      - { rss: { pid: 1 }, expect: { rss: "$a.rss + 1" } }\n'),
      ).slice(2);
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

  describe('when expectations are parsed', () => {
    function expectOf(exp: string) {
      const steps = stepsOf(
        withSteps(`  - check: { rss: { pid: 1 }, save: o }\n  - read: { pid: 1, addr: buf, expect: ${exp} }\n`),
      );
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
      expect(expectOf('{ entry: { start: buf, end: 0x10001000, prot: rw } }')).toEqual({
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
      expect(expectOf('{ errno: EINVAL, pte: none, ok: true, size: 2MiB }')).toEqual({
        kind: 'map',
        fields: {
          errno: { kind: 'scalar', value: 'EINVAL' },
          pte: { kind: 'scalar', value: 'none' },
          ok: { kind: 'scalar', value: true },
          size: { kind: 'scalar', value: 2 * 1024 * 1024 },
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
      expect(expectOf('{ object: { id: "$o.object.id" } }')).toEqual({
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
      expect(steps[2]!.expectOn!['arm64']!.pos).toMatchObject(loc(t, '{ value: 1 }'));
    });
  });

  describe('when YAML anchors are used', () => {
    it('should follow aliases', () => {
      const steps = stepsOf(withSteps('  - read: &r { pid: 1, addr: buf }\n  - read: *r\n'));
      expect(steps[3]!.args).toEqual({ pid: 1, addr: { name: 'buf', offset: 0 } });
    });
  });

  describe('when the file is JSON', () => {
    it('should parse it the same way', () => {
      const s = parseScenario('{"name": "j", "machine": "arm64", "steps": [{"spawn": {"pid": 1}}]}', 'f.json');
      expect(s.steps[0]).toMatchObject({ op: 'spawn', args: { pid: 1 }, pos: { line: 1, col: 46 } });
    });
  });
});

describe('parseMachineFile', () => {
  describe('when given a machine file without a name', () => {
    it('should apply the defaults', () => {
      expect(parseMachineFile('arch: amd64\n', 'm.yaml')).toMatchObject({
        arch: 'amd64',
        abi: 'freebsd',
        cpus: 2,
        physmem: 64 * 1024 * 1024,
        swap: 128 * 1024 * 1024,
        features: {},
        policies: {},
        plugins: [],
        faults: {},
      });
    });
  });

  describe('when the machine file is bad', () => {
    it('should report each problem with its position', () => {
      let err: unknown;
      try {
        parseMachineFile('arch: amd64\nabi: bsd\nswap: lots\nfeatures: { pku: maybe }\n', 'm.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioErrors);
      expect((err as Error).message.split('\n').map((l) => l.split(': ')[0])).toEqual([
        'm.yaml:2:6',
        'm.yaml:3:7',
        'm.yaml:4:18',
      ]);
    });
  });
});
