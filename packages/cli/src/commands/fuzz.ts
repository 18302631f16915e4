import {
  InputError,
  checkOutput,
  intFlag,
  secondsFlag,
  seedFlag,
  uniqueOutput,
  writeOutput,
  defaultCatalog,
  failureSignature,
  fuzzMachine,
  isRace,
  machineFromWord,
} from '@vmlab/lab';
import { progress, shardFlag } from './explore.ts';

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
  /** `I/N`. */
  shard?: string;
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
  const seed = seedFlag(flags.seed);
  const total = intFlag('ops', flags.ops, 10000, 1);
  const perRun = intFlag('ops-per-run', flags.opsPerRun, 200, 1);
  const schedules = intFlag('schedules', flags.schedules, 0, 0);
  const seconds = secondsFlag('time', flags.time);
  // By default a new file in the current folder (never one an earlier run wrote).
  const out = flags.out ?? uniqueOutput(`fuzz-${base.name}-seed${seed}`, 'yaml');
  checkOutput('--out', out);
  const shard = shardFlag(flags.shard);
  const pol = Object.entries(policies)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const foundBy = `vmlab fuzz --machine ${flags.machine ?? 'amd64'}${(flags.policy ?? []).map((p) => ` --policy ${p}`).join('')} --seed ${seed}${schedules > 0 ? ` --schedules ${schedules}` : ''}${flags.shard !== undefined ? ` --shard ${flags.shard}` : ''}`;
  const json = flags.json === true;
  const bar = progress(json);
  const r = await fuzzMachine(
    {
      machine: base,
      policies,
      seed,
      ops: total,
      opsPerRun: perRun,
      schedules,
      ...(seconds !== undefined ? { seconds } : {}),
      foundBy,
      shard,
      onProgress: (ran, all) => bar.tick(`fuzz ${base.name}: ${ran}/${all} operations`),
    },
    catalog,
  );
  bar.done();
  const v = r.violation;
  if (v === undefined) {
    const rate = Math.round(r.ops / Math.max(r.elapsedSeconds, 1e-3));
    if (json)
      print(
        JSON.stringify(
          {
            machine: base.name,
            policies,
            seed,
            shard: `${shard.index}/${shard.count}`,
            ops: r.ops,
            runs: r.runs,
            schedules: r.schedules,
            violation: null,
            opsPerSecond: rate,
          },
          null,
          2,
        ),
      );
    else
      print(
        `fuzz on ${base.name}${pol !== '' ? ` (${pol})` : ''}, seed ${seed}: ${r.ops} operations in ${r.runs} runs${r.schedules > 0 ? ` and ${r.schedules} random schedules` : ''}, no violation (${rate} ops/s)`,
      );
    return 0;
  }
  const unwritten = writeOutput(out, v.text);
  const check = v.check;
  const first =
    check.violations[0] !== undefined
      ? `${check.violations[0].invariant}: ${check.violations[0].message}`
      : check.failures[0] !== undefined
        ? `line ${check.failures[0].pos.line} ${check.failures[0].op}: ${check.failures[0].failure}`
        : (check.error ?? 'nothing (not reproduced)');
  if (json) {
    print(
      JSON.stringify(
        {
          machine: base.name,
          policies,
          seed,
          shard: `${shard.index}/${shard.count}`,
          ops: r.ops,
          runs: r.runs,
          schedules: r.schedules,
          violation: {
            run: v.run,
            signature: v.signature,
            detail: first,
            shrunkOps: v.shrunk.length,
            fromOps: v.ops.length,
            steps: v.text.split('\n').filter((l) => l.startsWith('  - ')).length,
            concurrent: v.shrunk.some(isRace),
            reproduced: failureSignature(check) === v.signature,
            file: unwritten === undefined ? out : null,
            ...(unwritten !== undefined ? { notWritten: unwritten, text: v.text } : {}),
          },
        },
        null,
        2,
      ),
    );
  } else {
    print(
      [
        `fuzz on ${base.name}${pol !== '' ? ` (${pol})` : ''}, seed ${seed}: VIOLATION in run ${v.run} (${v.signature})`,
        `  ${first}`,
        unwritten === undefined
          ? `  shrunk from ${v.ops.length} operations to ${v.shrunk.length}; written to ${out} (vmlab run ${out} fails)`
          : `  shrunk from ${v.ops.length} operations to ${v.shrunk.length}; NOT written to ${out} (${unwritten}): the scenario follows, save it and vmlab run it`,
        '',
        v.text,
      ].join('\n'),
    );
  }
  return 1;
}
