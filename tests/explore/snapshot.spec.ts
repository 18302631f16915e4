import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ExploreOptions,
  type ExploreResult,
  HeapSnapshot,
  InputError,
  type RunOnce,
  type RunReport,
  Unsnapshottable,
  defaultCatalog,
  explore,
  loadScenario,
  runOnMachine,
  scenarioMachines,
  snapshotRunOnce,
} from '@vmlab/lab';
import { EXAMPLES } from '../helpers/scenario.ts';

const catalog = defaultCatalog();
const RACES = readdirSync(resolve(EXAMPLES, 'races'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap(({ name: d }) => [`races/${d}/legacy.yaml`, `races/${d}/fixed.yaml`]);
const FIXTURES = readdirSync(resolve(EXAMPLES, '../tests/explore/fixtures'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `../tests/explore/fixtures/${f}`);
const CONCURRENT = [...readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')), ...RACES, ...FIXTURES].filter((f) =>
  /^\s*- concurrent:/m.test(readFileSync(resolve(EXAMPLES, f), 'utf8')),
);

/** What one run gave: its schedule, the hash of its event log, its fingerprint (outcomes, counters, violations, error), or that it was cut. */
type Seen = string;
const seenOf = (r: RunReport): Seen => `${r.schedule.map((p) => p.chosen).join(',')} ${r.eventHash} ${r.eventCount} ${r.fingerprint}`;

/** Wraps a RunOnce to record every run's result. */
function recording(runOnce: RunOnce, seen: Seen[]): RunOnce {
  return async (hooks) => {
    try {
      const r = await runOnce(hooks);
      seen.push(seenOf(r));
      return r;
    } catch (e) {
      seen.push(`cut: ${(e as Error).constructor.name}`);
      throw e;
    }
  };
}

/** Explores every machine of the file with the given runs; the runs' results and the search results. */
async function exploreWith(file: string, snapshots: boolean, o: Omit<ExploreOptions, 'seed' | 'snapshots'>) {
  const s = loadScenario(resolve(EXAMPLES, file));
  const seen: Seen[] = [];
  const results: ExploreResult[] = [];
  for (const m of scenarioMachines(s, catalog, undefined)) {
    // Without snapshots every run composes a machine and runs from the first step: as `run` does
    // (runOnMachine) without the reduction; with it, through snapshotRunOnce, which also gives
    // the state cache its digests.
    const fresh: RunOnce = async (hooks) => {
      const r = await runOnMachine(s, m, catalog, { check: true, stopOnViolation: true, ...hooks });
      if (r.inputError === true) throw new InputError(r.error!);
      return r;
    };
    const runOnce = snapshots || o.reduction !== false ? snapshotRunOnce(s, m, catalog) : fresh;
    results.push(await explore(recording(runOnce, seen), { ...o, seed: 5, snapshots }));
  }
  return { seen, results };
}

const verdicts = (rs: ExploreResult[]) =>
  rs.map((r) => [r.schedules, r.complete, r.violation?.invariant, r.violation?.schedules, r.stats.runs, r.stats.pruned]);

describe('machine snapshots', () => {
  describe('when every example with a concurrent step is explored from snapshots', () => {
    for (const file of CONCURRENT) {
      for (const reduction of [false, true]) {
        it(`should give every schedule of ${file} (reduction ${reduction ? 'on' : 'off'}) the fresh run's events, outcomes and verdict`, async () => {
          const o = { strategy: 'dfs', bound: 2, runs: 100000, reduction } as const;
          const [fresh, snap] = await Promise.all([exploreWith(file, false, o), exploreWith(file, true, o)]);
          expect(snap.seen).toEqual(fresh.seen);
          expect(verdicts(snap.results)).toEqual(verdicts(fresh.results));
          const restored = snap.results.reduce((a, r) => a + r.stats.snapshots!.restored, 0);
          if (fresh.seen.length > snap.results.length) expect(restored).toBeGreaterThan(0);
        });
      }
    }
  });

  describe('when the sampling strategies run from the snapshot of the first concurrent step', () => {
    for (const strategy of ['random', 'pct', 'delay'] as const) {
      it(`should give ${strategy}'s runs the fresh runs' results`, async () => {
        for (const file of ['races/d15293-swap-split/legacy.yaml', 'races/d15293-swap-split-bystander/fixed.yaml', 'exit-peek-race.yaml']) {
          const o = { strategy, bound: 2, runs: 30 } as const;
          const [fresh, snap] = await Promise.all([exploreWith(file, false, o), exploreWith(file, true, o)]);
          expect(snap.seen, file).toEqual(fresh.seen);
          expect(verdicts(snap.results), file).toEqual(verdicts(fresh.results));
          expect(snap.results[0]!.stats.snapshots!.restored, file).toBeGreaterThan(0);
        }
      });
    }
  });
});

describe('HeapSnapshot', () => {
  it('should put back properties, array elements, Map and Set contents and typed array bytes in the same objects', () => {
    const inner = { n: 1, list: [1, 2, 3] };
    const bytes = new Uint32Array([7, 8, 9]);
    const root = { inner, bytes, map: new Map([[1, inner]]), set: new Set(['a']), when: new Date(5) };
    const snap = HeapSnapshot.take([root]);
    inner.n = 2;
    inner.list.push(4);
    (inner as { extra?: number }).extra = 1;
    bytes[1] = 0;
    root.map.set(2, { n: 9, list: [] });
    root.set.delete('a');
    root.when.setTime(6);
    root.inner = { n: 3, list: [] };
    snap.restore();
    expect(root.inner).toBe(inner);
    expect(inner).toEqual({ n: 1, list: [1, 2, 3] });
    expect([...bytes]).toEqual([7, 8, 9]);
    expect([...root.map.keys()]).toEqual([1]);
    expect([...root.set]).toEqual(['a']);
    expect(root.when.getTime()).toBe(5);
  });

  it('should keep accessors and constants and drop properties added since', () => {
    const o: Record<string, unknown> = { n: 1 };
    Object.defineProperty(o, 'fixed', { value: 7, writable: false, configurable: true, enumerable: true });
    Object.defineProperty(o, 'twice', { get: () => (o.n as number) * 2, configurable: true, enumerable: true });
    const snap = HeapSnapshot.take([o]);
    o.n = 5;
    o.added = true;
    snap.restore();
    expect(Object.keys(o).sort()).toEqual(['fixed', 'n', 'twice']);
    expect([o.n, o.fixed, o.twice]).toEqual([1, 7, 2]);
  });

  it('should refuse state it cannot record (a WeakMap, a generator)', () => {
    expect(() => HeapSnapshot.take([{ w: new WeakMap() }])).toThrow(Unsnapshottable);
    function* g() {
      yield 1;
    }
    expect(() => HeapSnapshot.take([{ g: g() }])).toThrow(Unsnapshottable);
  });
});
