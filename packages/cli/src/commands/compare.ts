import {
  InputError,
  bigintJson,
  checkOutput,
  colorEnabled,
  compareJson,
  compareLogPath,
  compareScenario,
  compareViewPath,
  defaultCatalog,
  formatCompare,
  loadScenario,
  scenarioMachines,
  writeCompareHtml,
} from '@vmlab/lab';

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
  const html = flags.html;
  // With --html, each machine's run log and the viewer of them are written beside the report.
  if (html !== undefined) checkOutput('--html', compareViewPath(html), [file]);
  const c = await compareScenario(s, scenarioMachines(s, catalog, override), catalog, {
    check: flags.check !== false,
    ...(html !== undefined ? { logFor: (m: string) => compareLogPath(html, m) } : {}),
  });
  if (html !== undefined) await writeCompareHtml(c, file, html, catalog);
  if (flags.json === true) print(JSON.stringify(compareJson(c), bigintJson, 2));
  else print(formatCompare(c, { width: process.stdout.isTTY ? process.stdout.columns : undefined, color: colorEnabled(process.stdout) }));
  return c.ok ? 0 : 1;
}
