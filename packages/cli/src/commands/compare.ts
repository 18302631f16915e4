import { InputError, bigintJson, checkOutput, compareHtml, compareJson, compareScenario, defaultCatalog, formatCompare, loadScenario, scenarioMachines, writeOutput } from '@vmlab/lab';

export interface CompareFlags {
  machines?: string;
  json?: boolean;
  html?: string;
  check?: boolean;
}

/** `vmlab compare`: the same steps on each machine, side by side. Exit codes as `run`. */
export async function compareCommand(file: string, flags: CompareFlags, print: (s: string) => void): Promise<number> {
  const catalog = defaultCatalog();
  if (flags.html !== undefined) checkOutput('--html', flags.html, [file]);
  const s = loadScenario(file);
  let override: string[] | undefined;
  if (flags.machines !== undefined) {
    override = flags.machines.split(',').map((x) => x.trim());
    if (override.some((x) => x === '')) throw new InputError(`--machines '${flags.machines}': give presets or machine files separated by commas, none empty`);
  }
  const c = await compareScenario(s, scenarioMachines(s, catalog, override), catalog, { check: flags.check !== false });
  if (flags.html !== undefined) {
    const why = writeOutput(flags.html, compareHtml(c), [file]);
    if (why !== undefined) throw new InputError(`--html ${flags.html}: ${why}`);
  }
  if (flags.json === true) print(JSON.stringify(compareJson(c), bigintJson, 2));
  else print(formatCompare(c));
  return c.ok ? 0 : 1;
}
