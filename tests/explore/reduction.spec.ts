import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ExploreOptions,
  InputError,
  type RunOnce,
  defaultCatalog,
  explore,
  exploreScenario,
  loadScenario,
  runOnMachine,
  scenarioMachines,
} from '@vmlab/lab';
import { EXAMPLES } from '../helpers/scenario.ts';

const catalog = defaultCatalog();
const RACES = readdirSync(resolve(EXAMPLES, 'races'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap(({ name: d }) => [`races/${d}/legacy.yaml`, `races/${d}/fixed.yaml`]);
const CONCURRENT = [...readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')), ...RACES].filter((f) =>
  /^\s*- concurrent:/m.test(readFileSync(resolve(EXAMPLES, f), 'utf8')),
);

/** Three-thread variants of races (a bystander in an unrelated process) kept as test fixtures. */
const FIXTURES = resolve(EXAMPLES, '../tests/explore/fixtures');
const THREE_THREAD = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => resolve(FIXTURES, f));

const memo = new Map<string, ReturnType<typeof outcomeOf>>();
/** The explore outcome of an example (bound-2 dfs), computed once per file and mode. */
function outcome(file: string, reduction: boolean): ReturnType<typeof outcomeOf> {
  const key = `${file}:${reduction}`;
  if (!memo.has(key)) memo.set(key, outcomeOf(file, reduction));
  return memo.get(key)!;
}

async function outcomeOf(file: string, reduction: boolean) {
  const s = loadScenario(resolve(EXAMPLES, file));
  const r = await exploreScenario(s, scenarioMachines(s, catalog, undefined), catalog, {
    strategy: 'dfs',
    bound: 2,
    seed: 1,
    runs: 100000,
    reduction,
    logFor: () => '/dev/null',
  });
  return {
    ok: r.ok,
    machines: r.outcomes.map((o) => ({
      machine: o.machine,
      complete: o.result.complete,
      invariant: o.result.violation?.invariant,
      schedules: o.result.schedules,
      pruned: o.result.stats.pruned,
    })),
  };
}

/** The schedules (choice lists) one explore call ran to the end, and its result. */
async function schedulesRun(file: string, o: Omit<ExploreOptions, 'seed' | 'runs'> & { runs?: number }) {
  const s = loadScenario(resolve(EXAMPLES, file));
  const [m] = scenarioMachines(s, catalog, undefined);
  const ran: string[] = [];
  const runOnce: RunOnce = async (hooks) => {
    const choices: number[] = [];
    const r = await runOnMachine(s, m!, catalog, {
      check: true,
      stopOnViolation: true,
      onConcurrent: hooks.onConcurrent,
      onSchedule: hooks.onSchedule,
      chooser: (rs, point, sch) => {
        const c = hooks.chooser(rs, point, sch);
        choices.push(c);
        return c;
      },
    });
    if (r.inputError === true) throw new InputError(r.error!);
    ran.push(choices.join(','));
    return r;
  };
  const result = await explore(runOnce, { seed: 3, runs: 100000, ...o });
  return { ran, result };
}

describe('the reduced search', () => {
  describe('when run on every example with a concurrent step', () => {
    it('should find the examples (at least the seed races and the three-thread pair)', () => {
      expect(CONCURRENT.length).toBeGreaterThanOrEqual(12);
      expect(CONCURRENT).toContain('races/d15293-swap-split-bystander/fixed.yaml');
    });
    for (const file of CONCURRENT) {
      it(`should give bound-2 DFS's verdict on ${file}, with no more schedules`, async () => {
        const [red, full] = await Promise.all([outcome(file, true), outcome(file, false)]);
        expect(red.ok).toBe(full.ok);
        expect(red.machines.map((x) => [x.machine, x.complete, x.invariant])).toEqual(full.machines.map((x) => [x.machine, x.complete, x.invariant]));
        for (let i = 0; i < red.machines.length; i++) expect(red.machines[i]!.schedules).toBeLessThanOrEqual(full.machines[i]!.schedules);
      });
    }
  });

  describe('when a third thread works in an unrelated process', () => {
    it('should run at least 10x fewer schedules than bound-2 DFS, clean as it is', async () => {
      const [red, full] = await Promise.all([
        outcome('races/d15293-swap-split-bystander/fixed.yaml', true),
        outcome('races/d15293-swap-split-bystander/legacy.yaml', true),
      ]);
      const unreduced = await outcome('races/d15293-swap-split-bystander/fixed.yaml', false);
      expect(red.ok && full.ok && unreduced.ok).toBe(true);
      expect(red.machines[0]!.complete).toBe(true);
      expect(red.machines[0]!.schedules * 10).toBeLessThanOrEqual(unreduced.machines[0]!.schedules);
      expect(full.machines[0]!.invariant).toBeDefined();
    });
  });

  describe('when the three-thread fixtures are explored', () => {
    for (const file of THREE_THREAD) {
      const name = file.slice(FIXTURES.length + 1);
      it(`should give ${name} bound-2 DFS's verdict, with 10x fewer schedules when it is clean`, async () => {
        const [red, full] = await Promise.all([outcome(file, true), outcome(file, false)]);
        expect(red.ok && full.ok).toBe(true);
        expect(red.machines.map((x) => [x.machine, x.complete, x.invariant])).toEqual(full.machines.map((x) => [x.machine, x.complete, x.invariant]));
        for (let i = 0; i < red.machines.length; i++) {
          const [r, f] = [red.machines[i]!, full.machines[i]!];
          if (f.invariant === undefined) expect(r.schedules * 10, name).toBeLessThanOrEqual(f.schedules);
          else expect(r.schedules).toBeLessThanOrEqual(f.schedules);
        }
      });
    }
  });

  describe('when the threads share their process', () => {
    it('should prune nothing (every pair of threads is dependent)', async () => {
      const { result } = await schedulesRun('exit-peek-race.yaml', { strategy: 'dfs', bound: 2 });
      expect(result.stats.pruned).toEqual({ equivalent: 0, cut: 0, state: 0, sleep: 0 });
      expect(result.schedules).toBe(20);
    });
  });

  describe('when schedules of a first concurrent step converge before the second', () => {
    it('should explore the second step once per machine state reached (the state cache), with the same verdict', async () => {
      // exit-peek-race.yaml: two concurrent steps; different interleavings of the first leave
      // the machine in the same state, and the second is explored from each state once.
      const red = await outcome('exit-peek-race.yaml', true);
      const full = await outcome('exit-peek-race.yaml', false);
      expect(red.ok && full.ok).toBe(true);
      expect(red.machines.map((m) => [m.complete, m.invariant])).toEqual(full.machines.map((m) => [m.complete, m.invariant]));
      expect(full.machines.map((m) => m.schedules)).toEqual([20, 20]);
      expect(red.machines.map((m) => m.schedules)).toEqual([10, 14]);
      expect(red.machines.map((m) => m.pruned.state)).toEqual([3, 2]);
    });
  });
});

describe('sharded campaigns', () => {
  for (const [file, strategy, reduction, ns] of [
    ['exit-peek-race.yaml', 'dfs', false, [1, 2, 3, 8]],
    ['exit-peek-race.yaml', 'random', false, [1, 2, 3, 8]],
    ['exit-peek-race.yaml', 'pct', false, [1, 3, 8]],
    ['exit-peek-race.yaml', 'delay', false, [2, 8]],
  ] as const) {
    describe(`when ${file} is explored by ${strategy} in N shards`, () => {
      for (const n of ns) {
        it(`should run exactly the unsharded schedules over N = ${n} shards`, async () => {
          const o = { strategy, bound: 2, runs: strategy === 'dfs' ? 100000 : 24, reduction } as const;
          const whole = await schedulesRun(file, o);
          const parts = await Promise.all(Array.from({ length: n }, (_, i) => schedulesRun(file, { ...o, shard: { index: i, count: n } })));
          expect(parts.reduce((a, p) => a + p.result.schedules, 0)).toBe(whole.result.schedules);
          expect(new Set(parts.flatMap((p) => p.ran))).toEqual(new Set(whole.ran));
          if (strategy === 'dfs') for (const p of parts) expect(p.result.complete).toBe(true);
        });
      }
    });
  }
  describe('when the reduced dfs is sharded', () => {
    it('should give the unsharded verdicts (clean and complete, or the same violation)', async () => {
      for (const [file, ns] of [
        ['races/d15293-swap-split-bystander/fixed.yaml', [3]],
        ['races/d15293-swap-split-bystander/legacy.yaml', [2, 8]],
        ['races/revoke-walk/legacy.yaml', [3]],
      ] as const) {
        const whole = await schedulesRun(file, { strategy: 'dfs', bound: 2 });
        for (const n of ns) {
          const parts = await Promise.all(
            Array.from({ length: n }, (_, i) => schedulesRun(file, { strategy: 'dfs', bound: 2, shard: { index: i, count: n } })),
          );
          const found = parts.map((p) => p.result.violation?.invariant).filter((x) => x !== undefined);
          if (whole.result.violation === undefined) {
            expect(found, `${file} ${n}`).toEqual([]);
            for (const p of parts) expect(p.result.complete).toBe(true);
          } else expect(found, `${file} ${n}`).toContain(whole.result.violation.invariant);
        }
      }
    });
  });
});

describe('the sampling strategies', () => {
  it('should find the split race with delay-bounded random scheduling', async () => {
    const { result } = await schedulesRun('races/d15293-swap-split/legacy.yaml', { strategy: 'delay', bound: 2, runs: 200 });
    expect(result.violation?.report.violations.map((v) => v.invariant)).toContain('object_repopulated');
  });
});
