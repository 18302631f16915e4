import { bigintJson } from '@vmlab/lab';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { uniqueOutput, defaultCatalog, formatRun, loadScenario, machineFromWord, reportOk, runJson, runOnMachine } from '@vmlab/lab';
import { compareCommand } from './compare.ts';
import { exploreCommand } from './explore.ts';

/**
 * The folder of the demo's scenarios: the nearest `examples/` holding demo.yaml above this
 * module (the repository's from the sources; from the build, the copy scripts/bundle.js puts
 * in dist/examples, so an installed vmlab has it too).
 */
export function examplesDir(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'examples', 'demo.yaml'))) return join(d, 'examples');
    if (dirname(d) === d) throw new Error('vmlab demo: its examples folder (examples/demo.yaml) is missing from this installation');
  }
}

/**
 * `vmlab demo`: three things vmlab is for, on the built-in machines.
 * 1. The MI VM: fork, copy-on-write and every inheritance mode on amd64 and arm64.
 * 2. The MI/MD layering: a protection key survives swapout on the fixed amd64 and is lost
 *    on the legacy one (pkru.clear_on: pmap_remove), side by side.
 * 3. A race found by search: the D15293 fault/fork split race under the 2018 swap order.
 */
export async function demoCommand(json: boolean, print: (s: string) => void): Promise<number> {
  const catalog = defaultCatalog();
  const s = loadScenario(resolve(examplesDir(), 'demo.yaml'));
  const reports = [];
  for (const name of ['amd64', 'arm64']) {
    reports.push(await runOnMachine(s, machineFromWord(name, catalog), catalog, { check: true }));
  }
  if (json) {
    print(JSON.stringify({ demo: s.name, runs: reports.map(runJson) }, bigintJson, 2));
    return reports.every(reportOk) ? 0 : 1;
  }
  const rule = (title: string) => print(`\n${'═'.repeat(4)} ${title} ${'═'.repeat(Math.max(4, 86 - title.length))}\n`);
  rule('1. fork, copy-on-write and inheritance on amd64 (every step; invariants checked after each)');
  print(formatRun(reports[0]!, true));
  print(`\nThe same scenario on arm64:\n${formatRun(reports[1]!, false)}`);

  rule('2. the MI/MD layering: a PKRU key across swapout, the fix vs the bug (vmlab compare)');
  const c = await compareCommand(resolve(examplesDir(), 'pkru-swapout.yaml'), {}, print);

  rule('3. a race found by search: D15293, fault vs fork split under the 2018 swap order (vmlab explore)');
  const e = await exploreCommand(
    resolve(examplesDir(), 'races/d15293-swap-split/legacy.yaml'),
    { json: false, log: uniqueOutput('vmlab-demo-explore-split-race', 'jsonl', tmpdir()) },
    print,
  );

  print('\nNext: pnpm vmlab run examples/fork-inherit.yaml -v · pnpm vmlab policies · pnpm vmlab compare examples/compare-three-arches.yaml');
  return reports.every(reportOk) && c === 0 && e === 0 ? 0 : 1;
}
