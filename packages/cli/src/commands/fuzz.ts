import { writeFileSync } from 'node:fs';
import {
  MachineError,
  Prng,
  type RunReport,
  ScenarioError,
  ScenarioRunner,
  composeMachine,
  explore,
  type ExploreHooks,
  machineInvariants,
  parseScenario,
} from '@vmlab/core';
import {
  type FuzzOp,
  failureSignature,
  isRace,
  generateOps,
  scenarioOf,
  scenarioText,
  shrinkOps,
  withOpSchedules,
} from '../fuzz/workload.ts';
import { defaultCatalog } from '../catalog.ts';
import { InputError, machineFromWord } from '../loadScenario.ts';
import { progress } from './explore.ts';

export interface FuzzFlags {
  machine?: string;
  policy?: string[];
  seed?: string;
  ops?: string;
  opsPerRun?: string;
  schedules?: string;
  time?: string;
  out?: string;
  json?: boolean;
}

const num = (name: string, v: string | undefined, d: number, min: number): number => {
  if (v === undefined) return d;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < min) throw new InputError(`--${name} ${v}: give a number (${min} or more)`);
  return Number(v);
};

/** Runs scenario text on a fresh machine with every invariant checked after every step. */
export async function runFuzzText(text: string, hooks?: ExploreHooks): Promise<RunReport> {
  const catalog = defaultCatalog();
  const s = parseScenario(text, 'fuzz.yaml');
  const ref = s.machine!;
  if (ref.kind !== 'inline') throw new Error('fuzz scenarios use an inline machine');
  const machine = await composeMachine(ref.spec, catalog, s.files, ref.spec.name ?? ref.spec.arch);
  return new ScenarioRunner(machine, s, { check: true, invariants: machineInvariants(machine), stopOnViolation: true, ...hooks }).run();
}

/**
 * `vmlab fuzz`: random workloads on a machine and policy set; on a violation, shrinks it to
 * a minimal scenario file. Exit 0 nothing found, 1 a violation (file written), 2 bad input.
 */
export async function fuzzCommand(flags: FuzzFlags, print: (s: string) => void): Promise<number> {
  const catalog = defaultCatalog();
  const base = machineFromWord(flags.machine ?? 'amd64', catalog);
  const policies: Record<string, string> = {};
  for (const kv of flags.policy ?? []) {
    const m = /^([\w.]+)=([\w.-]+)$/.exec(kv);
    if (m === null) throw new InputError(`--policy ${kv}: write key=value (vmlab policies lists them)`);
    policies[m[1]!] = m[2]!;
  }
  const seed = num('seed', flags.seed, 1, 0);
  const total = num('ops', flags.ops, 10000, 1);
  const perRun = num('ops-per-run', flags.opsPerRun, 200, 1);
  const schedules = Math.floor(num('schedules', flags.schedules, 0, 0));
  const seconds = flags.time !== undefined ? num('time', flags.time, 0, 0) : undefined;
  const out = flags.out ?? 'fuzz-violation.yaml';
  const arch = base.spec.arch;
  const pol = Object.entries(policies).map(([k, v]) => `${k}: ${v}`).join(', ');
  const machineYaml = `{ name: ${base.name}, arch: ${arch}${pol !== '' ? `, policies: { ${pol} }` : ''} }`;
  // Bad machine or policy input stops before anything runs.
  try {
    await composeMachine({ ...base.spec, policies: { ...base.spec.policies, ...policies } }, catalog, [], base.name);
  } catch (e) {
    if (e instanceof MachineError) throw new InputError(e.message);
    throw e;
  }
  const json = flags.json === true;
  const bar = progress(json);
  const started = Date.now();
  let ran = 0;
  let runs = 0;
  let found: { ops: FuzzOp[]; sig: string; run: number; text: string } | undefined;
  const master = new Prng(seed);
  const schedRng = new Prng(seed ^ 0x5eed);
  let explored = 0;
  /** Runs ops under their schedules; if clean and they race, under `n` random schedules. */
  const attempt = async (ops: FuzzOp[], n: number): Promise<{ ops: FuzzOp[]; sig: string } | undefined> => {
    const { text, kept } = scenarioOf(ops, machineYaml, 'fuzz');
    if (kept.length === 0) return undefined;
    let r: RunReport;
    try {
      r = await runFuzzText(text);
    } catch (e) {
      if (e instanceof ScenarioError) throw new Error(`fuzz generated a scenario the parser rejects: ${e.message}\n${text}`);
      throw e;
    }
    const sig = failureSignature(r);
    // A schedule that no longer fits the cut list (bad input) is not the failure: search again.
    if (sig !== undefined && !(sig === 'error' && ops.some((o) => isRace(o) && o.schedule !== undefined))) return { ops, sig };
    if (n === 0 || !ops.some(isRace)) return undefined;
    // The schedules explore runs start from none: strip what the ops carry.
    const bare = withOpSchedules(ops, machineYaml, []);
    const res = await explore((hooks) => runFuzzText(scenarioText(bare, machineYaml, 'fuzz'), hooks), { strategy: 'random', bound: 0, seed: schedRng.next(), runs: n });
    explored += res.schedules;
    const v = res.violation;
    if (v === undefined) return undefined;
    const vsig = failureSignature(v.report);
    return vsig === undefined ? undefined : { ops: withOpSchedules(bare, machineYaml, v.schedules), sig: vsig };
  };
  while (ran < total) {
    if (seconds !== undefined && Date.now() - started >= seconds * 1000) break;
    const runSeed = master.next();
    const n = Math.min(perRun, total - ran);
    const ops = generateOps(new Prng(runSeed), n, arch);
    const hit = await attempt(ops, schedules);
    ran += n;
    runs++;
    if (runs % 20 === 0) bar.tick(`fuzz ${base.name}: ${ran}/${total} operations`);
    if (hit !== undefined) {
      found = { ops: hit.ops, sig: hit.sig, run: runs, text: scenarioText(hit.ops, machineYaml, 'fuzz') };
      break;
    }
  }
  bar.done();
  const elapsed = (Date.now() - started) / 1000;
  if (found === undefined) {
    const rate = Math.round(ran / Math.max(elapsed, 1e-3));
    if (json) print(JSON.stringify({ machine: base.name, policies, seed, ops: ran, runs, schedules: explored, violation: null, opsPerSecond: rate }, null, 2));
    else print(`fuzz on ${base.name}${pol !== '' ? ` (${pol})` : ''}, seed ${seed}: ${ran} operations in ${runs} runs${explored > 0 ? ` and ${explored} random schedules` : ''}, no violation (${rate} ops/s)`);
    return 0;
  }
  const sig = found.sig;
  // A candidate fails under the schedules its races carry, or under one that a few random
  // schedules find (then it carries that one).
  const fails = async (ops: FuzzOp[]): Promise<boolean | FuzzOp[]> => {
    const hit = await attempt(ops, Math.min(schedules, 20));
    return hit !== undefined && hit.sig === sig ? hit.ops : false;
  };
  const small = await shrinkOps(found.ops, fails);
  const header = [
    `found by: vmlab fuzz --machine ${flags.machine ?? 'amd64'}${(flags.policy ?? []).map((p) => ` --policy ${p}`).join('')} --seed ${seed}${schedules > 0 ? ` --schedules ${schedules}` : ''}`,
    `failure: ${sig}; shrunk from ${found.ops.length} operations to ${small.length}.`,
    'Reads carry the values the shadow model expects; vmlab run reports the failure (exit 1).',
  ];
  const text = scenarioText(small, machineYaml, `fuzz: ${sig}`, header);
  writeFileSync(out, text);
  const check = await runFuzzText(text);
  const first = check.violations[0] !== undefined ? `${check.violations[0].invariant}: ${check.violations[0].message}` : check.failures[0] !== undefined ? `line ${check.failures[0].pos.line} ${check.failures[0].op}: ${check.failures[0].failure}` : (check.error ?? 'nothing (not reproduced)');
  if (json) {
    print(JSON.stringify({ machine: base.name, policies, seed, ops: ran, runs, schedules: explored, violation: { signature: sig, detail: first, shrunkOps: small.length, fromOps: found.ops.length, steps: text.split('\n').filter((l) => l.startsWith('  - ')).length, concurrent: small.some(isRace), reproduced: failureSignature(check) === sig, file: out } }, null, 2));
  } else {
    print(
      [
        `fuzz on ${base.name}${pol !== '' ? ` (${pol})` : ''}, seed ${seed}: VIOLATION in run ${found.run} (${sig})`,
        `  ${first}`,
        `  shrunk from ${found.ops.length} operations to ${small.length}; written to ${out} (vmlab run ${out} fails)`,
        '',
        text,
      ].join('\n'),
    );
  }
  return 1;
}
