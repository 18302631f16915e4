import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExploreOptions, type RunOnce, TraceClass, defaultCatalog, explore, loadScenario, scenarioMachines, snapshotRunOnce } from '@vmlab/lab';
import { EXAMPLES } from '../helpers/scenario.ts';

const catalog = defaultCatalog();
const FIXTURES = resolve(EXAMPLES, '../tests/explore/fixtures');

type Dep = boolean[][];

/**
 * Explores a scenario's first machine with dfs and collects, for every schedule run to its
 * end, its Mazurkiewicz trace (TraceClass key under the dependence the explorer was given).
 * `lie` replaces the dependence the runner computes before it reaches the explorer.
 */
async function traces(file: string, o: Partial<ExploreOptions>, lie?: (dep: Dep) => Dep) {
  const s = loadScenario(file);
  const [m] = scenarioMachines(s, catalog, undefined);
  const base = snapshotRunOnce(s, m!, catalog);
  const classes = new Set<string>();
  const runOnce: RunOnce = async (hooks) => {
    let cls = TraceClass.EMPTY;
    const r = await base({
      ...hooks,
      onConcurrent: (dep, st) => {
        const d = lie !== undefined ? lie(dep) : dep;
        cls = cls.segment(d);
        hooks.onConcurrent(d, st);
      },
      chooser: (rs, point, sch) => {
        const c = hooks.chooser(rs, point, sch);
        cls = cls.after(c);
        return c;
      },
    });
    classes.add(cls.key());
    return r;
  };
  const result = await explore(runOnce, { strategy: 'dfs', bound: 2, seed: 1, runs: 100000, ...o });
  return { classes, result };
}

/** Every pair of distinct threads independent: the relation a wrong footprint would give. */
const allIndependent = (dep: Dep): Dep => dep.map((row, i) => row.map((_, j) => i === j));

describe('sleep sets under the preemption bound', () => {
  for (const name of ['map-lock-bystander.yaml', 'swap-split-fork-bystander-fixed.yaml']) {
    const file = resolve(FIXTURES, name);
    for (const bound of [0, 1, 2, 3]) {
      it(`should reach every trace bound-${bound} dfs reaches on ${name}, with fewer schedules than the class cache alone`, async () => {
        const full = await traces(file, { bound, reduction: false });
        const cache = await traces(file, { bound, sleepSets: false });
        const sleep = await traces(file, { bound });
        expect(full.result.violation).toBeUndefined();
        expect(full.result.complete && cache.result.complete && sleep.result.complete).toBe(true);
        // Every interleaving within the bound has an equivalent one the reduced search ran.
        for (const k of full.classes) expect(sleep.classes.has(k), k).toBe(true);
        expect(sleep.result.stats.pruned.sleep).toBeGreaterThan(0);
        expect(sleep.result.schedules).toBeLessThan(cache.result.schedules);
        expect(cache.result.stats.pruned.sleep).toBe(0);
        if (bound >= 2) expect(sleep.result.schedules * 10).toBeLessThanOrEqual(full.result.schedules);
      });
    }
  }

  it('should run one schedule per trace of the racing pair when the bystander is independent of both', async () => {
    // The pair alone (examples/explore-map-lock.yaml's two threads) has as many bound-2
    // schedules as distinct traces; the bystander adds no trace of its own to explore.
    const { classes, result } = await traces(resolve(FIXTURES, 'map-lock-bystander.yaml'), { bound: 2 });
    expect(result.schedules).toBe(classes.size);
  });

  it('should not count sleep-set pruning without the reduction', async () => {
    const { result } = await traces(resolve(FIXTURES, 'map-lock-bystander.yaml'), { bound: 1, reduction: false });
    expect(result.stats.pruned).toEqual({ equivalent: 0, cut: 0, state: 0, sleep: 0 });
    expect(result.schedules).toBe(25);
  });
});

describe('the independence relation', () => {
  const legacy = resolve(FIXTURES, 'swap-split-fork-bystander-legacy.yaml');
  it('should find the split race, which needs the fault and the pageout of one process ordered both ways', async () => {
    const { result } = await traces(legacy, { bound: 2 });
    expect(result.violation?.invariant).toBe('pte_target');
    expect(result.stats.pruned.sleep).toBeGreaterThan(0);
  });

  it('should miss it when the two racing threads are wrongly called independent (what the test above guards)', async () => {
    // With every pair independent the reduction takes the racing threads' orders as
    // equivalent and runs one of them: the race is not found, so the verdict above rests on
    // the footprints making those two threads dependent.
    const wrong = await traces(legacy, { bound: 2 }, allIndependent);
    expect(wrong.result.violation).toBeUndefined();
    expect(wrong.result.complete).toBe(true);
    const unreduced = await traces(legacy, { bound: 2, reduction: false }, allIndependent);
    expect(unreduced.result.violation?.invariant).toBe('pte_target');
  });
});
