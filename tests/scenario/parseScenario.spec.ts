import { readFileSync } from 'node:fs';
import { ScenarioErrors, parseScenario } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { FIRST, errorsOf, loc, oneError, stepsOf, withSteps } from '../helpers/parse.ts';
import { EXAMPLES } from '../helpers/scenario.ts';

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
      expect(write.args.addr).toEqual({ name: 'heap', offset: 4096 });
      const read = s.steps.find((x) => x.op === 'read')!;
      expect(read.expectOn!['amd64-legacy']!.value).toEqual({
        kind: 'map',
        fields: { value: { kind: 'scalar', value: 0xcafe } },
      });
      expect(read.expect!.pos).toMatchObject(loc(readFileSync(file, 'utf8'), '{ signal: SIGSEGV, pkey: 5 }'));
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
      expect(s.explore).toEqual({ expect: 'violation', invariant: 'rss', invariantPos: { file: 'f.yaml', line: 5, col: 42 } });
    });

    it('should refuse a bad explore expectation and a file without size', () => {
      const errs = errorsOf('name: t\nfiles: [{ path: /a }]\nexplore: { expect: dirty }\nsteps: []\n');
      expect(errs).toMatchObject([
        { line: 2, col: 9, problem: expect.stringContaining('needs a size') },
        { line: 3, col: 20, problem: expect.stringContaining('clean, violation') },
      ]);
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
