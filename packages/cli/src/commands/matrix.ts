import { existsSync } from 'node:fs';
import { InputError, defaultCatalog, matrixTable, raceMatrix, raceNames, startProgress } from '@vmlab/lab';

/**
 * `vmlab explore --matrix [DIR]`: the race benchmark (default examples/races): strategy ×
 * race, whether each strategy finds the legacy form's violation, after how many schedules
 * and how long, and the fixed form's verdict. Exit 0 when every race is found by dfs and
 * every fixed form is clean, 1 otherwise, 2 bad input.
 */
export async function matrixCommand(dir: string, flags: { json?: boolean }, print: (s: string) => void): Promise<number> {
  if (!existsSync(dir)) throw new InputError(`--matrix ${dir}: no such folder`);
  if (raceNames(dir).length === 0) throw new InputError(`--matrix ${dir}: no race folders (NAME/legacy.yaml and NAME/fixed.yaml)`);
  const json = flags.json === true;
  const races = raceNames(dir);
  const bar = await startProgress({ title: 'matrix', total: races.length, unit: 'races', json });
  let done = 0;
  const rows = await raceMatrix(dir, defaultCatalog(), undefined, (r) => bar.update(++done, `matrix: ${r.race} done`)).finally(() => bar.stop());
  const ok = rows.every((r) => r.fixedClean && r.cells[0]!.found);
  print(
    json
      ? JSON.stringify({ dir, ok, races: rows }, null, 2)
      : `${matrixTable(rows)}\n\n${rows.length} races; ${ok ? 'dfs finds every legacy form and every fixed form is clean' : 'NOT every race found by dfs with its fixed form clean'}`,
  );
  return ok ? 0 : 1;
}
