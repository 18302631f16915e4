import { ScenarioErrors, parseMachineFile, parseScenario } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { errorsOf, loc, oneError } from '../helpers/parse.ts';

describe('parseScenario', () => {
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
      expect(errs.map((e) => e.problem)).toEqual([expect.stringContaining('used twice'), expect.stringContaining('cpus must be between 1 and 31')]);
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
      expect((err as Error).message.split('\n').map((l) => l.split(': ')[0])).toEqual(['m.yaml:2:6', 'm.yaml:3:7', 'm.yaml:4:18']);
    });
  });
});
