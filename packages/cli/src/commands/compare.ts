import { compareJson, compareLogPath, compareScenario, defaultCatalog, formatCompare, loadScenario, scenarioMachines, writeCompareHtml } from '@vmlab/lab';

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
  const html = flags.html;
  // With --html, each machine's run log and the viewer of them are written beside the report.
  const c = await compareScenario(s, scenarioMachines(s, catalog, override), catalog, {
    check: flags.check !== false,
    ...(html !== undefined ? { logFor: (m: string) => compareLogPath(html, m) } : {}),
  });
  if (html !== undefined) await writeCompareHtml(c, file, html, catalog);
  if (flags.json === true) print(JSON.stringify(compareJson(c), null, 2));
  else print(formatCompare(c));
  return c.ok ? 0 : 1;
}
