import {
  EXIT,
  InputError,
  catchInterrupt,
  progressShown,
  startProgress,
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
import { shardFlag } from './explore.ts';

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
  /** Continue a stopped campaign at this run (0-based). */
  fromRun?: string;
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
  const fromRun = intFlag('from-run', flags.fromRun, 0, 0);
  const pol = Object.entries(policies)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const foundBy = `vmlab fuzz --machine ${flags.machine ?? 'amd64'}${(flags.policy ?? []).map((p) => ` --policy ${p}`).join('')} --seed ${seed}${schedules > 0 ? ` --schedules ${schedules}` : ''}${flags.shard !== undefined ? ` --shard ${flags.shard}` : ''}`;
  const json = flags.json === true;
  const interrupt = catchInterrupt();
  // this shard's share of the operations left after --from-run
  const mine = Math.max(1, Math.ceil(Math.max(0, total - fromRun * perRun) / shard.count));
  const bar = await startProgress({ title: `fuzz ${base.name}`, total: mine, unit: 'ops', json });
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
      fromRun,
      stop: () => interrupt.requested,
      onProgress: (ran) => bar.update(ran),
      onFound: (run, sig) => {
        bar.stop();
        if (progressShown(json) || process.env.VMLAB_SAY_INTERRUPTIBLE === '1')
          process.stderr.write(`vmlab: run ${run} failed (${sig}); shrinking it (Ctrl-C writes it as far as it is shrunk)\n`);
      },
    },
    catalog,
  ).finally(() => {
    bar.stop();
    interrupt.dispose();
  });
  const v = r.violation;
  // How a stopped campaign goes on: the same command from the first run it did not run.
  const continueWith =
    r.stoppedBy === 'interrupt'
      ? `${foundBy} --ops ${total}${perRun !== 200 ? ` --ops-per-run ${perRun}` : ''} --from-run ${r.nextRun}${flags.out !== undefined ? ` --out ${flags.out}` : ''}`
      : undefined;
  const stopped =
    r.stoppedBy === 'interrupt'
      ? { interrupted: true, nextRun: r.nextRun, continueWith }
      : r.stoppedBy === 'time'
        ? { timedOut: true, nextRun: r.nextRun }
        : {};
  /** The campaign's fields, the same in the clean and the violation document. */
  const campaign = { machine: base.name, policies, seed, shard: `${shard.index}/${shard.count}`, ops: r.ops, runs: r.runs, schedules: r.schedules };
  if (v === undefined) {
    const rate = Math.round(r.ops / Math.max(r.elapsedSeconds, 1e-3));
    const why =
      r.stoppedBy === 'interrupt'
        ? `interrupted (Ctrl-C) after ${r.runs} runs, at run ${r.nextRun}; to continue: ${continueWith}`
        : r.stoppedBy === 'time'
          ? `the --time budget of ${seconds} s ended the campaign at run ${r.nextRun} (${r.ops} of ${total} operations)`
          : undefined;
    if (json)
      print(
        JSON.stringify(
          {
            ...campaign,
            violation: null,
            opsPerSecond: rate,
            ...stopped,
          },
          null,
          2,
        ),
      );
    else
      print(
        `fuzz on ${base.name}${pol !== '' ? ` (${pol})` : ''}, seed ${seed}: ${r.ops} operations in ${r.runs} runs${r.schedules > 0 ? ` and ${r.schedules} random schedules` : ''}, no violation${why !== undefined ? ' so far' : ''} (${rate} ops/s)${why !== undefined ? `\n  ${why}` : ''}`,
      );
    return r.stoppedBy === 'interrupt' ? EXIT.interrupted : 0;
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
          ...campaign,
          ...(r.stoppedBy === 'interrupt' ? { interrupted: true } : {}),
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
            ...(r.stoppedBy === 'interrupt' ? { shrinkInterrupted: true } : {}),
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
        ...(r.stoppedBy === 'interrupt' ? ['  interrupted (Ctrl-C) while shrinking: the scenario is shrunk as far as it got'] : []),
        '',
        v.text,
      ].join('\n'),
    );
  }
  return r.stoppedBy === 'interrupt' ? EXIT.interrupted : 1;
}
