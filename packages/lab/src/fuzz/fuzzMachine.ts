/**
 * The fuzz campaign: random workloads on one machine and policy set, each run on a fresh
 * machine with every invariant checked after every step and the shadow model's expectations
 * on every read; runs with concurrent steps also under seeded random schedules. The first
 * failure is shrunk (delta debugging) to a minimal scenario that still fails the same way.
 */
import { yieldToEvents } from '../io/interrupt.ts';
import { type Catalog, MACHINE_DEFAULTS, type Machine, type MachineSpec, MachineError, composeMachine } from '@vmlab/core';
import { defaultCatalog } from '../catalog/defaultCatalog.ts';
import { type ExploreHooks, explore } from '../explore/explore.ts';
import { Prng } from '../explore/prng.ts';
import { machineInvariants } from '../replay/replay.ts';
import { InputError } from '../scenario/InputError.ts';
import type { NamedMachine } from '../scenario/loadScenario.ts';
import { parseScenario } from '../scenario/parseScenario.ts';
import { ScenarioError } from '../scenario/ScenarioError.ts';
import { ScenarioRunner } from '../runner/ScenarioRunner.ts';
import { type RunReport } from '../runner/RunReport.ts';
import { type FuzzOp, type RaceKind, isRace } from './FuzzOp.ts';
import { generateOps } from './generateOps.ts';
import { scenarioOf, scenarioText, withOpSchedules } from './scenarioOf.ts';
import { failureSignature, shrinkOps } from './shrinkOps.ts';

export interface FuzzOptions {
  /** The machine the workloads run on (its arch decides keys or guards). */
  machine: NamedMachine;
  /** Policy values over the machine's. */
  policies: Record<string, string>;
  seed: number;
  /** Operations to run in all, and per run (each run starts from a fresh machine). */
  ops: number;
  opsPerRun: number;
  /** Random schedules to try on a run with concurrent steps (0: only the unscheduled order). */
  schedules: number;
  /** Stop after this many seconds of wall time. */
  seconds?: number;
  /** The command that reproduces the campaign, written at the top of the shrunk scenario. */
  foundBy: string;
  /**
   * This campaign's part when split in `count` shards: run i (0-based) is shard i mod count's.
   * Every run's operations and schedules come from its own seed, so the shards together run
   * exactly the runs of the unsharded campaign.
   */
  shard?: { index: number; count: number };
  /** Called after each run: operations run so far, of the campaign's total. */
  onProgress?: (ran: number, total: number) => void;
  /**
   * Asked before each run (Ctrl-C): true stops the campaign there. When given, each run first
   * lets the event loop turn, so a signal's handler can run.
   */
  stop?: () => boolean;
  /** Skip the runs before this one (0-based): continue a campaign that was stopped there. */
  fromRun?: number;
  /** Called when a run failed, before it is shrunk (`stop` then ends the shrinking, keeping what it has). */
  onFound?: (run: number, signature: string) => void;
}

export interface FuzzViolation {
  signature: string;
  /** The run (1-based, numbered as in the unsharded campaign) that failed. */
  run: number;
  /** The failing run's operations, and the shrunk list. */
  ops: FuzzOp[];
  shrunk: FuzzOp[];
  /** The shrunk scenario (YAML), and its report when run again. */
  text: string;
  check: RunReport;
}

export interface FuzzResult {
  /** The inline machine of the generated scenarios (YAML flow text). */
  machineYaml: string;
  ops: number;
  runs: number;
  /** Random schedules run in all (searching and shrinking). */
  schedules: number;
  elapsedSeconds: number;
  violation?: FuzzViolation;
  /**
   * Why the campaign ended before its operations were all run: Ctrl-C (`stop`) or `seconds`.
   * With a violation: Ctrl-C stopped its shrinking (the scenario is shrunk as far as it got).
   */
  stoppedBy?: 'interrupt' | 'time';
  /** The first run (0-based, as numbered in the unsharded campaign) not run: `fromRun` continues there. */
  nextRun: number;
}

/** A YAML flow value: bare when it reads back as the same string or number, quoted otherwise. */
function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (typeof v === 'object' && v !== null)
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${/^[\w.-]+$/.test(k) ? k : JSON.stringify(k)}: ${flow(x)}`)
      .join(', ')} }`;
  if (typeof v === 'string' && /^[A-Za-z_/.][\w./-]*$/.test(v) && !/^(true|false|null|yes|no|on|off)$/i.test(v)) return v;
  return JSON.stringify(v);
}

/**
 * A machine as inline YAML: what the named machine's file or preset set (defaults left
 * out), the `--policy` values over its policies, plugin paths absolute (from the loaded spec).
 */
function inlineMachine(base: NamedMachine, loaded: MachineSpec, policies: Record<string, string>): string {
  const s = base.spec;
  const m: Record<string, unknown> = { name: base.name, arch: loaded.arch };
  if (s.abi !== MACHINE_DEFAULTS.abi) m.abi = s.abi;
  if (s.cpus !== MACHINE_DEFAULTS.cpus) m.cpus = s.cpus;
  if (s.physmem !== MACHINE_DEFAULTS.physmem) m.physmem = s.physmem;
  if (s.swap !== MACHINE_DEFAULTS.swap) m.swap = s.swap;
  if (Object.keys(s.features).length > 0) m.features = s.features;
  const pol = { ...s.policies, ...policies };
  if (Object.keys(pol).length > 0) m.policies = pol;
  if (loaded.plugins.length > 0) m.plugins = loaded.plugins;
  if (Object.keys(s.faults).length > 0) m.faults = s.faults;
  return flow(m);
}

/**
 * The race kinds beyond the first three that a campaign draws. mremap and process_mrelease
 * are Linux system calls, uvm_map_clean is msync under UVM (abi openbsd): those ABIs draw
 * them, and every other race too. On abi freebsd (both presets) a fault racing munmap and a
 * fork racing two writing threads are drawn when the campaign names the policy they test
 * (`fault.soft_fast`, `fault.lock`), so that the presets' seeds keep the workloads they had.
 * The three-thread fork needs a second CPU. Two are drawn only when the campaign names their
 * policy, on the ABI whose kernel had the bug, so that no existing seed's workload changes: a
 * fault racing fork's collapse (`collapse.scan`, abi freebsd) and a forced write racing
 * MADV_DONTNEED (`gup.force_cow`, abi linux).
 */
export function racesOf(spec: MachineSpec, named: Record<string, string>): Set<RaceKind> {
  const races = new Set<RaceKind>();
  const other = spec.abi !== 'freebsd';
  if (other || 'fault.soft_fast' in named) races.add('munmap');
  if (spec.cpus >= 2 && (other || 'fault.lock' in named)) races.add('fork3');
  if (spec.abi === 'linux') {
    races.add('mremap');
    races.add('mrelease');
  }
  if (spec.abi === 'openbsd') races.add('clean');
  if (spec.abi === 'freebsd' && 'collapse.scan' in named) races.add('collapse');
  if (spec.abi === 'linux' && 'gup.force_cow' in named) races.add('cow');
  return races;
}

/** Runs scenario text on a fresh machine with every invariant checked after every step. */
export async function runFuzzText(text: string, catalog: Catalog = defaultCatalog(), hooks?: ExploreHooks): Promise<RunReport> {
  const s = parseScenario(text, 'fuzz.yaml', { format: false });
  const ref = s.machine!;
  if (ref.kind !== 'inline') throw new Error('fuzz scenarios use an inline machine');
  const machine = await composeMachine(ref.spec, catalog, s.files, ref.spec.name ?? ref.spec.arch);
  return new ScenarioRunner(machine, s, { check: true, invariants: machineInvariants(machine), stopOnViolation: true, ...hooks }).run();
}

/** Runs the campaign; bad machine or policy input is InputError before anything runs. */
export async function fuzzMachine(o: FuzzOptions, catalog: Catalog): Promise<FuzzResult> {
  const base = o.machine;
  // The whole machine (arch, abi, cpus, memory, features, policies, plugins, faults), with
  // its plugin paths made absolute against the file that named them: the generated
  // scenarios name it inline and run anywhere.
  let machine: Machine;
  try {
    machine = await composeMachine({ ...base.spec, policies: { ...base.spec.policies, ...o.policies } }, catalog, [], base.name);
  } catch (e) {
    if (e instanceof MachineError) throw new InputError(`${Object.keys(o.policies).length > 0 ? '--policy' : '--machine'}: ${e.message}`);
    throw e;
  }
  const machineYaml = inlineMachine(base, machine.spec, o.policies);
  const archName = catalog.arches.get(machine.spec.arch)?.name ?? machine.spec.arch;
  // The arch decides the MD operations drawn: BTI guards on arm64, protection keys on amd64,
  // none elsewhere. Both are FreeBSD's sysarch calls (set_pkru, guard_page): other ABIs
  // refuse them (EINVAL), so they draw neither.
  const arch = machine.spec.abi === 'freebsd' && (archName === 'arm64' || archName === 'amd64') ? archName : 'none';
  const races = racesOf(machine.spec, { ...base.spec.policies, ...o.policies });
  const started = Date.now();
  let ran = 0;
  let runs = 0;
  let found: { ops: FuzzOp[]; sig: string; run: number } | undefined;
  const master = new Prng(o.seed);
  const schedRng = new Prng(o.seed ^ 0x5eed);
  let explored = 0;
  /** Runs ops under their schedules; if clean and they race, under `n` random schedules. */
  const attempt = async (ops: FuzzOp[], n: number, schedSeed: () => number): Promise<{ ops: FuzzOp[]; sig: string } | undefined> => {
    const { text, kept } = scenarioOf(ops, machineYaml, 'fuzz');
    if (kept.length === 0) return undefined;
    let r: RunReport;
    try {
      r = await runFuzzText(text, catalog);
    } catch (e) {
      if (e instanceof ScenarioError) throw new Error(`fuzz generated a scenario the parser rejects: ${e.message}\n${text}`);
      throw e;
    }
    const sig = failureSignature(r);
    // A schedule that no longer fits the cut list (bad input) is not the failure: search again.
    if (sig !== undefined && !(sig === 'error' && ops.some((x) => isRace(x) && x.schedule !== undefined))) return { ops, sig };
    if (n === 0 || !ops.some(isRace)) return undefined;
    // The schedules explore runs start from none: strip what the ops carry.
    const bare = withOpSchedules(ops, machineYaml, []);
    const res = await explore((hooks) => runFuzzText(scenarioText(bare, machineYaml, 'fuzz'), catalog, hooks), {
      strategy: 'random',
      bound: 0,
      seed: schedSeed(),
      runs: n,
    });
    explored += res.schedules;
    const v = res.violation;
    if (v === undefined) return undefined;
    const vsig = failureSignature(v.report);
    return vsig === undefined ? undefined : { ops: withOpSchedules(bare, machineYaml, v.schedules), sig: vsig };
  };
  const sh = o.shard ?? { index: 0, count: 1 };
  let offered = 0;
  let stoppedBy: FuzzResult['stoppedBy'];
  let i = 0;
  for (; offered < o.ops; i++) {
    const runSeed = master.next();
    const n = Math.min(o.opsPerRun, o.ops - offered);
    if (i < (o.fromRun ?? 0)) {
      offered += n;
      continue;
    }
    if (o.seconds !== undefined && Date.now() - started >= o.seconds * 1000) {
      stoppedBy = 'time';
      break;
    }
    if (o.stop !== undefined) {
      await yieldToEvents();
      if (o.stop()) {
        stoppedBy = 'interrupt';
        break;
      }
    }
    offered += n;
    if (i % sh.count !== sh.index) continue;
    const ops = generateOps(new Prng(runSeed), n, arch, { races });
    // The run's random schedules come from its own seed (a shard can run it alone).
    const hit = await attempt(ops, o.schedules, () => new Prng(runSeed ^ 0x5eed).next());
    ran += n;
    runs++;
    o.onProgress?.(ran, o.ops);
    if (hit !== undefined) {
      found = { ops: hit.ops, sig: hit.sig, run: i + 1 };
      i++;
      break;
    }
  }
  const result: FuzzResult = {
    machineYaml,
    ops: ran,
    runs,
    schedules: explored,
    elapsedSeconds: (Date.now() - started) / 1000,
    nextRun: i,
    ...(stoppedBy !== undefined ? { stoppedBy } : {}),
  };
  if (found === undefined) return result;
  const sig = found.sig;
  o.onFound?.(found.run, sig);
  // A candidate fails under the schedules its races carry, or under one that a few random
  // schedules find (then it carries that one).
  const fails = async (ops: FuzzOp[]): Promise<boolean | FuzzOp[]> => {
    if (o.stop !== undefined) {
      await yieldToEvents();
      if (o.stop()) {
        result.stoppedBy = 'interrupt';
        return false;
      }
    }
    const hit = await attempt(ops, Math.min(o.schedules, 20), () => schedRng.next());
    return hit !== undefined && hit.sig === sig ? hit.ops : false;
  };
  const small = await shrinkOps(found.ops, fails);
  const header = [
    `found by: ${o.foundBy}`,
    `failure: ${sig}; shrunk from ${found.ops.length} operations to ${small.length}.`,
    'Reads carry the values the shadow model expects; vmlab run reports the failure (exit 1).',
  ];
  const text = scenarioText(small, machineYaml, `fuzz: ${sig}`, header);
  const check = await runFuzzText(text, catalog);
  result.violation = { signature: sig, run: found.run, ops: found.ops, shrunk: small, text, check };
  // The schedules run while shrinking count too.
  result.schedules = explored;
  return result;
}
