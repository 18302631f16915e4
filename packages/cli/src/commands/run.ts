import {
  InputError,
  bigintJson,
  type RunReport,
  checkOutput,
  defaultCatalog,
  formatRun,
  laneHooks,
  loadScenario,
  reportOk,
  runJson,
  runOnMachine,
  scenarioMachines,
} from '@vmlab/lab';

export interface RunFlags {
  machine?: string;
  json?: boolean;
  log?: string;
  check?: boolean;
  verbose?: boolean;
}

/** `vmlab run`: exit 0 when every expectation held, 1 when some failed, 2 for bad input. */
export async function runCommand(file: string, flags: RunFlags, print: (s: string) => void): Promise<number> {
  const catalog = defaultCatalog();
  if (flags.log !== undefined) checkOutput('--log', flags.log, [file]);
  const s = loadScenario(file);
  const machines = scenarioMachines(s, catalog, flags.machine !== undefined ? [flags.machine] : undefined);
  const reports: RunReport[] = [];
  const lanes: string[][] = [];
  const verbose = flags.verbose === true && flags.json !== true;
  for (const m of machines) {
    const log =
      flags.log !== undefined && machines.length > 1
        ? flags.log.replace(/(\.jsonl)?(\.gz)?$/, (_, j: string | undefined, g: string | undefined) => `.${m.name}${j ?? '.jsonl'}${g ?? ''}`)
        : flags.log;
    // -v: the lanes of each concurrent step, recorded as the run goes.
    const h = verbose ? laneHooks() : undefined;
    const { text: _t, ...hooks } = h ?? { text: undefined };
    reports.push(await runOnMachine(s, m, catalog, { check: flags.check !== false, ...(log !== undefined ? { log } : {}), ...(h !== undefined ? hooks : {}) }));
    lanes.push(h?.text(false) ?? []);
  }
  const input = reports.find((r) => r.inputError === true);
  if (input !== undefined) throw new InputError(input.error!);
  if (flags.json === true) {
    const docs = reports.map(runJson);
    print(JSON.stringify(docs.length === 1 ? docs[0] : { scenario: s.name, runs: docs }, bigintJson, 2));
  } else {
    print(reports.map((r, i) => [formatRun(r, flags.verbose === true), ...lanes[i]!].join('\n')).join('\n\n'));
  }
  return reports.every(reportOk) ? 0 : 1;
}
