import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { composeMachine, MachineError, PLUGIN_API_VERSION } from '@vmlab/core';
import { defaultCatalog, machineInvariants, parseScenario, type RunReport, scenarioMachines, ScenarioRunner } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

const FIXTURES = join(ROOT, 'tests/plugins/fixtures');

/** A scenario written in the fixtures folder whose inline machine is `machine` (YAML flow). */
async function runWith(machine: string): Promise<RunReport> {
  const s = parseScenario(
    `name: t\nmachine: ${machine}\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }\n  - write: { pid: 1, addr: a, value: 1 }\n`,
    join(FIXTURES, 'inline.yaml'),
  );
  const catalog = defaultCatalog();
  const [m] = scenarioMachines(s, catalog, undefined);
  const machineObj = await composeMachine(m!.spec, catalog, s.files, m!.name);
  return new ScenarioRunner(machineObj, s, { check: true, invariants: machineInvariants(machineObj) }).run();
}

async function machineError(machine: string): Promise<MachineError> {
  try {
    await runWith(machine);
  } catch (e) {
    if (e instanceof MachineError) return e;
    throw e;
  }
  throw new Error('the machine composed');
}

function vmlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--conditions=vmlab-source', '--import', 'tsx', join(ROOT, 'packages/cli/src/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('plugins loaded by path', () => {
  describe('when a plugins: item is a path relative to the file that names it', () => {
    it('should load the plugin, run its subscriber and call onMachine once', async () => {
      const r = await runWith('{ arch: amd64, plugins: [stats, ./observer.ts] }');
      expect(r.failures).toEqual([]);
      expect(r.counters['observer.faults']).toBe(1);
      expect(r.counters['observer.machines']).toBe(1);
      expect(r.counters['events.fault']).toBe(1);
    });
  });

  describe('when a plugin targets another API version', () => {
    it('should refuse it, naming the plugin, both versions and the plugins: item', async () => {
      const e = await machineError('{ arch: amd64, plugins: [stats, ./wrong-version.ts] }');
      expect(e.message).toContain(
        `plugin 'from-the-future' (./wrong-version.ts) targets plugin API version ${PLUGIN_API_VERSION + 1}; this vmlab provides version ${PLUGIN_API_VERSION}`,
      );
      expect(e.pos).toMatchObject({ file: join(FIXTURES, 'inline.yaml'), line: 2 });
      expect(e.pos!.col).toBeGreaterThan(30);
    });
  });

  describe('when a plugin throws', () => {
    it('should report a throw while importing', async () => {
      const e = await machineError('{ arch: amd64, plugins: [./throws-on-import.ts] }');
      expect(e.message).toContain('plugin ./throws-on-import.ts threw while loading (import): cannot find my configuration');
    });

    it('should name the plugin and the hook for onLoad', async () => {
      const e = await machineError('{ arch: amd64, plugins: [./throws-in-onload.ts] }');
      expect(e.message).toContain("plugin 'grumpy' threw in onLoad: refusing to load");
      expect(e.pos?.line).toBe(2);
    });

    it('should name the plugin and the hook for onMachine', async () => {
      const e = await machineError('{ arch: amd64, plugins: [./throws-in-onmachine.ts] }');
      expect(e.message).toContain("plugin 'late-grump' threw in onMachine: no machine for me");
    });
  });

  describe('when a file has no plugin export, or does not exist', () => {
    it('should say which export is missing', async () => {
      const e = await machineError('{ arch: amd64, plugins: [./no-export.ts] }');
      expect(e.message).toContain("./no-export.ts has no plugin export: export default { name, apiVersion, module } (or a named export 'plugin')");
    });

    it('should name the file it looked for', async () => {
      const e = await machineError('{ arch: amd64, plugins: [./missing.ts] }');
      expect(e.message).toContain(`no such file ${join(FIXTURES, 'missing.ts')}`);
    });
  });

  describe('when arch: names a plugin that provides no pmap', () => {
    it('should refuse it at the arch: position', async () => {
      const e = await machineError('{ arch: ./observer.ts }');
      expect(e.message).toContain("arch: plugin 'observer' (./observer.ts) does not provide a pmap");
      expect(e.pos?.line).toBe(2);
    });

    it('should refuse a pmap plugin named in plugins:', async () => {
      const e = await machineError('{ arch: amd64, plugins: [../../../examples/plugins/pmap-riscv64/index.ts] }');
      expect(e.message).toContain("plugin 'pmap-riscv64'");
      expect(e.message).toContain('name it in arch:');
    });
  });

  describe('when run through the CLI', () => {
    it('should exit 2 with the machine file, line and column of a wrong API version', () => {
      const r = vmlab('run', 'tests/plugins/fixtures/scenario.yaml', '--machine', 'tests/plugins/fixtures/bad-version.yaml');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${join(FIXTURES, 'bad-version.yaml')}:3:18: plugin 'from-the-future'`);
      expect(r.out).toBe('');
    });

    it('should exit 2 with the arch: position for a plugin without a pmap', () => {
      const r = vmlab('run', 'tests/plugins/fixtures/scenario.yaml', '--machine', 'tests/plugins/fixtures/arch-observer.yaml');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${join(FIXTURES, 'arch-observer.yaml')}:3:7: arch: plugin 'observer'`);
    });
  });
});

describe('a plugin that throws while handling an event', () => {
  describe('when its fork handler throws', () => {
    it('should report the plugin and the event on that step, and leave the machine consistent', async () => {
      const s = parseScenario(
        [
          'name: t',
          'machine: { arch: amd64, plugins: [./throws-on-fork.ts] }',
          'steps:',
          '  - spawn: { pid: 1 }',
          '  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }',
          '  - write: { pid: 1, addr: a, value: 7 }',
          '  - fork: { pid: 1, child: 2 }',
          '  - read: { pid: 2, addr: a, expect: { value: 7 } }',
          '  - write: { pid: 2, addr: a, value: 8 }',
          '  - read: { pid: 1, addr: a, expect: { value: 7 } }',
          '',
        ].join('\n'),
        join(FIXTURES, 'inline.yaml'),
      );
      const catalog = defaultCatalog();
      const [m] = scenarioMachines(s, catalog, undefined);
      const machine = await composeMachine(m!.spec, catalog, s.files, m!.name);
      const r = new ScenarioRunner(machine, s, { check: true, invariants: machineInvariants(machine) }).run();
      expect(r.failures.map((f) => [f.op, f.failure])).toEqual([
        ['fork', expect.stringMatching(/throws-on-fork threw on event fork \(caused by command 4\): deliberate failure/)],
      ]);
      expect(r.steps.slice(4).map((x) => x.outcome)).toEqual([{ value: 7 }, { ok: true }, { value: 7 }]);
      expect(r.violations).toEqual([]);
    });
  });
});
