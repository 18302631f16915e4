import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Catalog } from '@vmlab/core';
import { writeOutput } from '../io/outputFile.ts';
import { InputError } from '../scenario/InputError.ts';
import { writeView } from '../view/writeView.ts';
import { compareHtml } from './compareHtml.ts';
import type { CompareResult } from './compareReports.ts';

/** The run log compare writes beside its HTML report for each machine: REPORT.MACHINE.jsonl. */
export function compareLogPath(html: string, machine: string): string {
  return join(dirname(html), `${basename(html).replace(/\.html?$/, '')}.${machine.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
}

/** The viewer compare writes beside its report: REPORT.view.html. */
export function compareViewPath(html: string): string {
  return join(dirname(html), `${basename(html).replace(/\.html?$/, '')}.view.html`);
}

/**
 * Writes the compare report to `html`; when the runs wrote logs (compareScenario's
 * `logFor`), also the viewer of those logs beside it, each step linking to its command.
 */
export async function writeCompareHtml(c: CompareResult, scenarioFile: string, html: string, catalog: Catalog): Promise<void> {
  const source = existsSync(scenarioFile) ? readFileSync(scenarioFile, 'utf8').split('\n') : undefined;
  let viewer: { href: string; seqOf: Record<string, Record<number, number>> } | undefined;
  if (c.logs !== undefined && c.machines.every((m) => c.logs![m] !== undefined)) {
    const viewPath = compareViewPath(html);
    const models = await writeView(
      c.machines.map((m) => c.logs![m]!),
      catalog,
      viewPath,
    );
    const seqOf: Record<string, Record<number, number>> = {};
    models.forEach((vm, i) => {
      const per: Record<number, number> = {};
      for (const cmd of vm.commands) per[cmd.step] ??= cmd.seq;
      seqOf[c.machines[i]!] = per;
    });
    viewer = { href: basename(viewPath), seqOf };
  }
  const why = writeOutput(html, compareHtml(c, { ...(source !== undefined ? { source } : {}), ...(viewer !== undefined ? { viewer } : {}) }), [scenarioFile]);
  if (why !== undefined) throw new InputError(`--html ${html}: ${why}`);
}
