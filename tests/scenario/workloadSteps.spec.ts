import { defaultCatalog, loadScenario, runOnMachine, scenarioMachines } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { errorsOf, loc, oneError, stepsOf, withSteps } from '../helpers/parse.ts';
import { tempTrace } from '../trace/collect.ts';

/** Run a scenario text on its machine and return the step outcomes. */
async function outcomes(text: string) {
  const f = tempTrace(text, 's.yaml');
  const s = loadScenario(f);
  const catalog = defaultCatalog();
  const r = await runOnMachine(s, scenarioMachines(s, catalog, undefined)[0]!, catalog, { check: true });
  expect(r.inputError, r.error).toBeUndefined();
  return r.steps.map((x) => x.outcome as Record<string, unknown>);
}

describe('repeat', () => {
  describe('when it is read', () => {
    it('should unroll its steps with $i in addresses and values, each at its line', () => {
      const steps = stepsOf(withSteps('  - repeat:\n      times: 3\n      steps:\n        - write: { pid: 1, addr: buf+$i*4, value: 0x10+$i }\n'));
      const writes = steps.filter((s) => s.op === 'write');
      expect(writes.map((s) => [(s.args.addr as { offset: number }).offset, s.args.value])).toEqual([
        [0, 0x10],
        [4, 0x11],
        [8, 0x12],
      ]);
      expect(new Set(writes.map((s) => s.pos.line))).toEqual(new Set([9]));
    });

    it('should nest with another index, and give nothing for times: 0', () => {
      const t = withSteps(
        '  - repeat:\n      times: 2\n      index: j\n      steps:\n        - repeat: { times: 2, steps: [ { write: { pid: 1, addr: buf+$j*8+$i*4, value: $j } } ] }\n  - repeat: { times: 0, steps: [ { read: { pid: 1, addr: buf } } ] }\n',
      );
      const w = stepsOf(t).filter((s) => s.op === 'write');
      expect(w.map((s) => (s.args.addr as { offset: number }).offset)).toEqual([0, 4, 8, 12]);
      expect(w.map((s) => s.args.value)).toEqual([0, 0, 1, 1]);
      expect(stepsOf(t).filter((s) => s.op === 'read')).toEqual([]);
    });

    it('should report a mistake inside once, at its line and column', () => {
      const t = withSteps('  - repeat:\n      times: 100\n      steps:\n        - write: { pid: 1, addr: buf+$k, value: 1 }\n');
      expect(oneError(t)).toMatchObject({ ...loc(t, 'buf+$k'), problem: 'unknown loop index $k; the enclosing repeat steps bind $i' });
    });

    it('should refuse a missing times, an index bound twice, an unknown key, and too many steps', () => {
      expect(oneError(withSteps('  - repeat: { steps: [] }\n')).problem).toBe('repeat needs times (a count) and steps (a list of steps)');
      const twice = withSteps('  - repeat: { times: 2, steps: [ { repeat: { times: 2, steps: [ { read: { pid: 1, addr: buf } } ] } } ] }\n');
      expect(oneError(twice).problem).toMatch(/the loop index \$i is already bound by an enclosing repeat; give this one another \(index: j\)/);
      expect(oneError(withSteps('  - repeat: { times: 2, tims: 3, steps: [] }\n')).problem).toMatch(/unknown key 'tims' in repeat/);
      const big = withSteps('  - repeat: { times: 2000000, steps: [ { read: { pid: 1, addr: buf } } ] }\n');
      expect(oneError(big).problem).toMatch(/repeat unrolls to more than 1000000 steps/);
    });
  });
});

describe('touch', () => {
  describe('when it is read', () => {
    it('should refuse a bad access and an unknown argument', () => {
      const t = withSteps('  - touch: { pid: 1, addr: buf, len: 1 page, access: modify }\n');
      expect(oneError(t)).toMatchObject(loc(t, 'modify'));
      expect(oneError(t).problem).toMatch(/read, write, exec/);
      expect(errorsOf(withSteps('  - touch: { pid: 1, addr: buf, len: 1 page, access: read, strid: 8 }\n'))[0]!.problem).toMatch(
        /unknown argument 'strid' for touch \(did you mean 'stride'\?\)/,
      );
    });
  });

  describe('when it runs', () => {
    const head = 'name: t\nmachine: amd64\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 8 pages, prot: rw, flags: [private, anon], as: a }\n';
    it('should sum up the pages and faults by kind, and stop at the first signal', async () => {
      const o = await outcomes(
        `${head}  - touch: { pid: 1, addr: a, len: 8 pages, access: write, value: 5 }\n  - fork: { pid: 1, child: 2 }\n  - touch: { pid: 2, addr: a, len: 8 pages, access: write, order: random, seed: 9 }\n  - touch: { pid: 2, addr: a, len: 8 pages, access: read, stride: 0x800 }\n  - touch: { pid: 1, addr: a+6 pages, len: 4 pages, access: write }\n  - read: { pid: 1, addr: a+3 pages }\n`,
      );
      expect(o[2]).toEqual({ ok: true, pages: 8, faults: 8, zero_fill: 8, cow: 0, pagein: 0, soft: 0 });
      expect(o[4]).toEqual({ ok: true, pages: 8, faults: 8, zero_fill: 0, cow: 8, pagein: 0, soft: 0 });
      expect(o[5]).toMatchObject({ ok: true, pages: 16, faults: 0 });
      expect(o[6]).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: 0x10008000, pages: 2 });
      // the parent's pages kept the value it wrote before the fork
      expect(o[7]).toEqual({ value: 5 });
    });
  });
});

describe('generate', () => {
  it('should refuse an unknown generator or parameter, and generate inside concurrent', () => {
    expect(oneError(withSteps('  - generate: { name: prefrok }\n')).problem).toMatch(/unknown generator 'prefrok' \(did you mean 'prefork'\?\)/);
    expect(oneError(withSteps('  - generate: { name: jit, thread: 2 }\n')).problem).toMatch(
      /generator jit has no parameter 'thread' \(did you mean 'threads'\?\)/,
    );
    expect(oneError(withSteps('  - concurrent: { threads: [ [ { generate: { name: jit } } ] ] }\n')).problem).toMatch(/generate cannot run inside concurrent/);
  });

  it('should run the workload on the scenario machine and sum it up', async () => {
    const o = await outcomes('name: t\nmachine: amd64\nsteps:\n  - generate: { name: prefork, pid: 10, heapPages: 64, workers: 3 }\n');
    expect(o[0]).toMatchObject({ ok: true, zero_fill: 64, cow: 3 * 6, refused: 0, not_replayed: 0, signals: 0 });
  });
});
