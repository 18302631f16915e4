import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { defaultCatalog } from '../catalog.ts';
import { formatRun, reportOk, runJson } from '../format.ts';
import { loadScenario, machineFromWord } from '../loadScenario.ts';
import { runOnMachine } from '../runOnMachine.ts';

/** The repository's examples folder (the demo's scenarios live there). */
export function examplesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../../examples');
}

/** `vmlab demo`: fork, copy-on-write and every inheritance mode on both default machines. */
export async function demoCommand(json: boolean, print: (s: string) => void): Promise<number> {
  const catalog = defaultCatalog();
  const s = loadScenario(resolve(examplesDir(), 'demo.yaml'));
  const reports = [];
  for (const name of ['amd64', 'arm64']) {
    reports.push(await runOnMachine(s, machineFromWord(name, catalog), catalog, { check: true }));
  }
  if (json) {
    print(JSON.stringify({ demo: s.name, runs: reports.map(runJson) }, null, 2));
  } else {
    print(`vmlab demo: ${s.name}\n(${s.file})\n`);
    for (const r of reports) print(`${formatRun(r, true)}\n`);
    print('Every step above ran through the MI VM (maps, objects, shadow chains, fault, fork) on each');
    print("machine's pmap, with invariants checked after every step. Try: pnpm vmlab run examples/fork-inherit.yaml -v");
  }
  return reports.every(reportOk) ? 0 : 1;
}
