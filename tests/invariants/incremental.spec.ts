/**
 * Incremental invariant checking (docs/invariants.md "Incremental checking") reports exactly
 * what full checking reports: after every step and every yield of every run below, the
 * incremental registry's violations equal, in order, those of a full registry checking the
 * same machine at the same point. The runs: every example and race scenario (the legacy
 * races violate; explored by bound-2 dfs with every schedule checked), and random fuzz
 * workloads on machines with legacy policies that violate (serial and concurrent, several
 * arches and ABIs). A change the layers below forget to record makes the incremental check
 * miss or keep a violation, and this test fail.
 *
 * Clean runs have no violation to miss, so the fuzz runs also break the machine on purpose
 * ("chaos"): before some checks, one random change through the model's own mutators (a PTE
 * pointed at another frame, an entry's protection, object or offset changed or the entry
 * unlinked, a reference count bumped, a backing object cut off and later put back, a page
 * inserted into an object others shadow (SA-21:08's shape), a mapped page freed, a pmap's
 * keys or guards changed), each recorded exactly when its hook works. Violations then come
 * and go in every unit kind the checker tracks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ChangeLog,
  CORE_INVARIANTS,
  type Invariant,
  InvariantContribution,
  InvariantRegistry,
  type Machine,
  PAGE_SIZE,
  VM_PROT_WRITE,
  type VmObject,
  type Vmspace,
  composeMachine,
  liveVmspaces,
  type Violation,
} from '@vmlab/core';
import { Amd64Pmap } from '@vmlab/pmap-amd64';
import { Arm64Pmap } from '@vmlab/pmap-arm64';
import {
  type ExploreHooks,
  Prng,
  type RunReport,
  ScenarioRunner,
  type Scenario,
  defaultCatalog,
  explore,
  generateOps,
  parseScenario,
  scenarioMachines,
  scenarioOf,
} from '@vmlab/lab';
import { EXAMPLES } from '../helpers/scenario.ts';

const catalog = defaultCatalog();

function registry(machine: Machine, mode: 'incremental' | 'full'): InvariantRegistry {
  const r = new InvariantRegistry(mode);
  for (const i of CORE_INVARIANTS) r.add(i);
  if (machine.container.isBound(InvariantContribution)) for (const i of machine.container.getAll<Invariant>(InvariantContribution)) r.add(i);
  return r;
}

interface Tally {
  checks: number;
  violations: number;
  mismatches: string[];
}

const fmt = (vs: readonly Violation[]): string => vs.map((v) => `${v.invariant}: ${v.message}`).join('\n') || '(none)';

/** Every mapping of the live vmspaces: [vmspace, va, frame]. */
function mappings(m: Machine): [Vmspace, number, number][] {
  const out: [Vmspace, number, number][] = [];
  for (const v of liveVmspaces(m.kernel)) v.pmap.forEachMapping(v.map.min, v.map.max, (va, f) => out.push([v, va, f]));
  return out;
}

/** Whether setting o's backing to b would close a cycle. */
function cycles(o: VmObject, b: VmObject): boolean {
  for (let x: VmObject | null = b, n = 0; x !== null && n < 10000; x = x.backing, n++) if (x === o) return true;
  return false;
}

/** One random change that may break an invariant, made through the model's own mutators. */
function chaos(m: Machine, rng: Prng, cut: [VmObject, VmObject, number][]): void {
  const k = m.kernel;
  const pick = <T>(a: readonly T[]): T | undefined => (a.length === 0 ? undefined : a[rng.below(a.length)]);
  const vms = liveVmspaces(k).filter((v) => !v.kernel);
  const objs = [...k.objects.live.values()];
  const v = pick(vms);
  const e = v !== undefined ? pick(v.map.entries) : undefined;
  try {
    switch (rng.below(12)) {
      case 0: {
        // a PTE pointed at another mapped frame
        const ms = mappings(m);
        const a = pick(ms);
        const b = pick(ms);
        if (a !== undefined && b !== undefined) a[0].pmap.enter(a[1], b[2], 3, false);
        break;
      }
      case 1:
        if (e !== undefined) e.prot ^= VM_PROT_WRITE;
        break;
      case 2: {
        const o = pick(objs);
        if (o !== undefined) o.refCount += rng.chance(0.5) ? 1 : -1;
        break;
      }
      case 3: {
        const o = pick(objs.filter((x) => x.backing !== null));
        if (o !== undefined) {
          cut.push([o, o.backing!, o.backingOffset]);
          o.backing = null;
        }
        break;
      }
      case 4: {
        const c = cut.pop();
        if (c !== undefined && k.objects.live.has(c[0].id) && k.objects.live.has(c[1].id) && !cycles(c[0], c[1])) {
          c[0].backing = c[1];
          c[0].backingOffset = c[2];
        }
        break;
      }
      case 5: {
        // a page inserted into an object that others shadow, at an index it lacks (SA-21:08)
        const o = pick(objs.filter((x) => x.shadows.size > 0 && x.size > 0)) ?? pick(objs.filter((x) => x.size > 0));
        if (o !== undefined) {
          const i = rng.below(Math.min(o.size, 64));
          if (k.objects.lookupPage(o, i) === -1) k.objects.pageService.alloc(o, i);
        }
        break;
      }
      case 6: {
        // a mapped page freed with its mappings left
        const a = pick(mappings(m));
        const o = a !== undefined ? k.objects.live.get(k.mem.objectOf(a[2]!)) : undefined;
        if (a !== undefined && o !== undefined) k.objects.pageService.free(o, a[2]);
        break;
      }
      case 7:
        if (v !== undefined && e !== undefined) v.map.removeAt(v.map.entries.indexOf(e));
        break;
      case 8: {
        const o = pick(objs);
        if (e !== undefined) e.object = o ?? null;
        break;
      }
      case 9:
        if (e !== undefined) e.offset += rng.chance(0.5) ? 1 : -1;
        break;
      case 10: {
        const a = pick(mappings(m));
        if (a !== undefined) a[0].pmap.remove(a[1], a[1] + PAGE_SIZE);
        break;
      }
      default: {
        const pm = v?.pmap;
        const at = e?.start ?? 0x10000;
        if (pm instanceof Amd64Pmap) {
          if (rng.chance(0.5)) pm.keys.set(at, at + PAGE_SIZE, { key: 1 + rng.below(15), persist: false });
          else pm.deleted.set(at, at + PAGE_SIZE, { key: 0, persist: false });
        } else if (pm instanceof Arm64Pmap && pm.bti !== null) {
          if (rng.chance(0.5)) pm.bti.add(at, at + PAGE_SIZE);
          else pm.bti.remove(at, at + PAGE_SIZE);
        } else if (e !== undefined) e.mdFlags ^= 1 + rng.below(15);
      }
    }
  } catch {
    // a change the model refuses (a busy or wired page, ...) is no change
  }
}

/** An incremental registry that checks every result against a full check of the same machine. */
function dual(machine: Machine, where: string, t: Tally, rng?: Prng): InvariantRegistry {
  const inc = registry(machine, 'incremental');
  const full = registry(machine, 'full');
  const check = inc.check.bind(inc);
  const cut: [VmObject, VmObject, number][] = [];
  inc.check = (m) => {
    if (rng?.chance(0.3)) chaos(m, rng, cut);
    const a = check(m);
    const b = full.check(m);
    t.checks++;
    t.violations += b.length;
    if (t.mismatches.length < 5 && fmt(a) !== fmt(b)) t.mismatches.push(`${where}, check ${t.checks}:\nincremental:\n${fmt(a)}\nfull:\n${fmt(b)}`);
    return a;
  };
  return inc;
}

/** Runs scenario s on each of its machines (each schedule explore picks, for `concurrent` steps). */
async function runDual(s: Scenario, where: string, t: Tally, schedules: 'dfs' | 'random' = 'dfs', rng?: Prng): Promise<void> {
  for (const nm of scenarioMachines(s, catalog, undefined)) {
    const runOnce = async (hooks?: ExploreHooks): Promise<RunReport> => {
      const machine = await composeMachine(nm.spec, catalog, s.files, nm.name);
      return new ScenarioRunner(machine, s, { ...hooks, check: true, invariants: dual(machine, `${where} on ${nm.name}`, t, rng) }).run();
    };
    if (s.steps.some((x) => x.op === 'concurrent')) {
      await explore((hooks) => runOnce(hooks), { strategy: schedules, bound: 2, seed: 7, runs: schedules === 'dfs' ? 400 : 40, snapshots: false });
    } else await runOnce();
  }
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      if (f !== 'machines' && f !== 'plugins') out.push(...yamlFiles(p));
    } else if (f.endsWith('.yaml')) out.push(p);
  }
  return out;
}

/** The machines fuzz workloads run on: legacy policies whose bugs the invariants see, and fixed ones. */
const FUZZ_MACHINES: { yaml: string; arch: string }[] = [
  { yaml: '{ name: amd64, arch: amd64, cpus: 2 }', arch: 'amd64' },
  {
    yaml: '{ name: amd64-legacy, arch: amd64, cpus: 2, features: { pku: true }, policies: { pkru.clear_on: pmap_remove, map_delete.skips: freebsd } }',
    arch: 'amd64',
  },
  { yaml: '{ name: amd64-linux, arch: amd64, abi: linux, cpus: 3, features: { pku: true }, policies: { pkru.clear_on: pmap_remove } }', arch: 'amd64' },
  { yaml: '{ name: arm64, arch: arm64, cpus: 2 }', arch: 'arm64' },
  { yaml: '{ name: arm64-linux, arch: arm64, abi: linux }', arch: 'arm64' },
  { yaml: '{ name: shadow-legacy, arch: amd64, policies: { madvise.free_on_shadow: apply, fault.cow_shared_shadow: no_invalidate } }', arch: 'amd64' },
  { yaml: '{ name: swap-legacy, arch: amd64, cpus: 2, swap: 64MiB, policies: { swap.readbehind: after_unlock, revoke.walk: no_recheck } }', arch: 'amd64' },
  { yaml: '{ name: small, arch: amd64, physmem: 2MiB, swap: 1MiB }', arch: 'amd64' },
];

describe('incremental invariant checking reports what full checking reports', () => {
  const files = yamlFiles(EXAMPLES);

  it('finds the examples and races', () => {
    expect(files.length).toBeGreaterThan(60);
    expect(files.filter((f) => f.includes('/races/') && f.endsWith('legacy.yaml')).length).toBeGreaterThanOrEqual(9);
  });

  for (const f of files) {
    const name = relative(EXAMPLES, f);
    it(name, { timeout: 120_000 }, async () => {
      const t: Tally = { checks: 0, violations: 0, mismatches: [] };
      await runDual(parseScenario(readFileSync(f, 'utf8'), f), name, t);
      expect(t.mismatches).toEqual([]);
      expect(t.checks).toBeGreaterThan(0);
    });
  }

  it('legacy races violate, and the violations agree', { timeout: 300_000 }, async () => {
    const t: Tally = { checks: 0, violations: 0, mismatches: [] };
    for (const f of files.filter((x) => x.endsWith('legacy.yaml') || x.includes('race'))) {
      await runDual(parseScenario(readFileSync(f, 'utf8'), f), relative(EXAMPLES, f), t, 'random');
    }
    expect(t.mismatches).toEqual([]);
    expect(t.violations).toBeGreaterThan(0);
  });

  for (const [mi, fm] of FUZZ_MACHINES.entries()) {
    it(`random fuzz workloads on ${fm.yaml}`, { timeout: 300_000 }, async () => {
      const t: Tally = { checks: 0, violations: 0, mismatches: [] };
      const rng = new Prng(1000 + mi);
      for (let run = 0; run < 12; run++) {
        const ops = generateOps(rng, 60, fm.arch, { concurrent: run % 3 === 2 });
        const { text, kept } = scenarioOf(ops, fm.yaml, `fuzz ${run}`);
        if (kept.length === 0) continue;
        await runDual(parseScenario(text, 'fuzz.yaml', { format: false }), `fuzz run ${run}`, t, 'random');
      }
      expect(t.mismatches).toEqual([]);
      expect(t.checks).toBeGreaterThan(100);
    });

    it(`random fuzz workloads with chaos on ${fm.yaml}`, { timeout: 300_000 }, async () => {
      const t: Tally = { checks: 0, violations: 0, mismatches: [] };
      const rng = new Prng(2000 + mi);
      for (let run = 0; run < 30; run++) {
        const ops = generateOps(rng, 60, fm.arch, { concurrent: run % 3 === 2 });
        const { text, kept } = scenarioOf(ops, fm.yaml, `fuzz ${run}`);
        if (kept.length === 0) continue;
        await runDual(parseScenario(text, 'fuzz.yaml', { format: false }), `chaos run ${run}`, t, 'random', new Prng(3000 + 17 * run + mi));
      }
      console.log(`TALLY chaos ${fm.yaml} checks=${t.checks} violations=${t.violations}`);
      expect(t.mismatches).toEqual([]);
      expect(t.violations).toBeGreaterThan(100);
    });
  }

  for (const hook of ['frame', 'vmspace', 'objectContent'] as const) {
    it(`fails when a change goes unrecorded (ChangeLog.${hook} disabled)`, { timeout: 300_000 }, async () => {
      const proto = ChangeLog.prototype as unknown as Record<string, unknown>;
      const saved = proto[hook];
      proto[hook] = () => {};
      const t: Tally = { checks: 0, violations: 0, mismatches: [] };
      try {
        const fm = FUZZ_MACHINES[0]!;
        const rng = new Prng(2000);
        for (let run = 0; run < 30 && t.mismatches.length === 0; run++) {
          const { text, kept } = scenarioOf(generateOps(rng, 60, fm.arch, { concurrent: run % 3 === 2 }), fm.yaml, `fuzz ${run}`);
          if (kept.length > 0)
            await runDual(parseScenario(text, 'fuzz.yaml', { format: false }), `sabotaged run ${run}`, t, 'random', new Prng(3000 + 17 * run));
        }
      } finally {
        proto[hook] = saved;
      }
      expect(t.mismatches.length).toBeGreaterThan(0);
    });
  }

  it('checks an invariant with check alone whole after every step, and one with checkVmspace per changed vmspace', async () => {
    const s = parseScenario(
      [
        'name: plugin contract',
        'machine: amd64',
        'steps:',
        '  - spawn: { pid: 1 }',
        '  - spawn: { pid: 2 }',
        '  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }',
        '  - write: { pid: 1, addr: a, value: 1 }',
      ].join('\n'),
      'contract.yaml',
    );
    const nm = scenarioMachines(s, catalog, undefined)[0]!;
    const machine = await composeMachine(nm.spec, catalog, s.files, nm.name);
    const whole: number[] = [];
    const units: number[][] = [];
    const inv = registry(machine, 'incremental');
    inv.add({ name: 'whole_only', description: 'a plugin invariant with check alone', check: () => void whole.push(1) });
    inv.add({
      name: 'per_vmspace',
      description: 'a plugin invariant that opted in',
      check: () => {},
      checkVmspace: (_m, v) => void units[units.length - 1]!.push(v.id),
    });
    const check = inv.check.bind(inv);
    inv.check = (m) => {
      units.push([]);
      return check(m);
    };
    new ScenarioRunner(machine, s, { check: true, invariants: inv }).run();
    expect(whole).toHaveLength(4);
    // the first check sees every live vmspace; then only the one each step changed
    expect(units).toEqual([[1], [2], [1], [1]]);
  });
});
