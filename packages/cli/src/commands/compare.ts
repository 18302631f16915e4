import { bigintJson } from '@vmlab/lab';
import { writeFileSync } from 'node:fs';
import { compareHtml, compareJson, compareScenario, defaultCatalog, formatCompare, loadScenario, scenarioMachines } from '@vmlab/lab';

export interface CompareFlags {
  machines?: string;
  json?: boolean;
  html?: string;
  check?: boolean;
}

/** `vmlab compare`: the same steps on each machine, side by side. Exit codes as `run`. */
export async function compareCommand(file: string, flags: CompareFlags, print: (s: string) => void): Promise<number> {
  const catalog = defaultCatalog();
  const s = loadScenario(file);
  const override = flags.machines?.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const c = await compareScenario(s, scenarioMachines(s, catalog, override), catalog, { check: flags.check !== false });
  if (flags.html !== undefined) writeFileSync(flags.html, compareHtml(c));
  if (flags.json === true) print(JSON.stringify(compareJson(c), bigintJson, 2));
  else print(formatCompare(c));
  return c.ok ? 0 : 1;
}
