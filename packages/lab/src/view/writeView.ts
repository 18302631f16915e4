import { basename, dirname, join } from 'node:path';
import type { Catalog } from '@vmlab/core';
import { InputError } from '../scenario/InputError.ts';
import { writeOutput } from '../io/outputFile.ts';
import { loadLog } from '../replay/loadLog.ts';
import { viewHtml } from './viewHtml.ts';
import { type ViewModel, viewModel } from './viewModel.ts';

/** Where `vmlab view` writes by default: beside the first log, named after it. */
export function defaultViewPath(firstLog: string): string {
  return join(dirname(firstLog), `${basename(firstLog).replace(/\.jsonl?$/, '')}.html`);
}

/** Replays each log, renders the viewer page and writes it to `out`; returns the models. */
export async function writeView(logs: readonly string[], catalog: Catalog, out: string): Promise<ViewModel[]> {
  if (logs.length === 0) throw new InputError('vmlab view: give at least one run log');
  const models: ViewModel[] = [];
  for (const f of logs) models.push(await viewModel(loadLog(f), f, catalog));
  const names = new Set<string>();
  for (const m of models) {
    // Two logs of machines with one name (a run and its fix): tell them apart by file.
    if (names.has(m.legend.name)) m.legend.name = `${m.legend.name} (${basename(m.file)})`;
    names.add(m.legend.name);
  }
  // Never over one of the logs it reads.
  const why = writeOutput(out, viewHtml(models), logs);
  if (why !== undefined) throw new InputError(`-o ${out}: ${why}`);
  return models;
}
