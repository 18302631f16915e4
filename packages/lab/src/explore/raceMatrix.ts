/**
 * The race benchmark (`vmlab explore --matrix`): every race in a folder of pairs
 * (`NAME/legacy.yaml` expects the violation, `NAME/fixed.yaml` expects clean) explored by
 * each strategy: whether the legacy form's violation is found, after how many schedules
 * and how long; and the fixed form's verdict under bound-2 dfs (clean and complete).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '@vmlab/core';
import { loadScenario, scenarioMachines } from '../scenario/loadScenario.ts';
import type { Strategy } from './exploreTypes.ts';
import { exploreScenario } from './exploreScenario.ts';

/** A column of the matrix: a strategy with its settings. */
export interface MatrixStrategy {
  label: string;
  strategy: Strategy;
  bound: number;
  runs: number;
  reduction: boolean;
}

export const MATRIX_STRATEGIES: MatrixStrategy[] = [
  { label: 'dfs', strategy: 'dfs', bound: 2, runs: 100000, reduction: true },
  { label: 'dfs --no-reduction', strategy: 'dfs', bound: 2, runs: 100000, reduction: false },
  { label: 'random', strategy: 'random', bound: 0, runs: 1000, reduction: true },
  { label: 'pct depth 3', strategy: 'pct', bound: 2, runs: 1000, reduction: true },
  { label: 'delay 2', strategy: 'delay', bound: 2, runs: 1000, reduction: true },
];

export interface MatrixCell {
  strategy: string;
  /** The legacy form: its expected violation found. */
  found: boolean;
  /** Schedules run up to and including the violating one (or in all when not found). */
  schedules: number;
  ms: number;
}

export interface MatrixRow {
  race: string;
  cells: MatrixCell[];
  /** The fixed form under bound-2 dfs: clean and complete. */
  fixedClean: boolean;
  fixedSchedules: number;
}

/** The race folders of `dir` (each with legacy.yaml and fixed.yaml), sorted. */
export function raceNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'legacy.yaml')) && existsSync(join(dir, d.name, 'fixed.yaml')))
    .map((d) => d.name)
    .sort();
}

/** Explores every race of `dir` under every strategy (seed 1). */
export async function raceMatrix(dir: string, catalog: Catalog, strategies = MATRIX_STRATEGIES, onRow?: (r: MatrixRow) => void): Promise<MatrixRow[]> {
  const rows: MatrixRow[] = [];
  for (const race of raceNames(dir)) {
    const legacy = loadScenario(join(dir, race, 'legacy.yaml'));
    const fixed = loadScenario(join(dir, race, 'fixed.yaml'));
    const cells: MatrixCell[] = [];
    for (const st of strategies) {
      const t0 = performance.now();
      const r = await exploreScenario(legacy, scenarioMachines(legacy, catalog, undefined), catalog, { ...st, seed: 1, logFor: () => '/dev/null' });
      const schedules = r.outcomes.reduce((a, o) => a + o.result.schedules, 0);
      cells.push({ strategy: st.label, found: r.ok && legacy.explore?.expect === 'violation', schedules, ms: Math.round(performance.now() - t0) });
    }
    const f = await exploreScenario(fixed, scenarioMachines(fixed, catalog, undefined), catalog, {
      strategy: 'dfs',
      bound: 2,
      seed: 1,
      runs: 100000,
      reduction: true,
      logFor: () => '/dev/null',
    });
    const row: MatrixRow = {
      race,
      cells,
      fixedClean: f.ok && f.outcomes.every((o) => o.result.complete && o.result.violation === undefined),
      fixedSchedules: f.outcomes.reduce((a, o) => a + o.result.schedules, 0),
    };
    onRow?.(row);
    rows.push(row);
  }
  return rows;
}

/** The matrix as a Markdown table (the README's). */
export function matrixTable(rows: MatrixRow[]): string {
  const strategies = rows[0]?.cells.map((c) => c.strategy) ?? MATRIX_STRATEGIES.map((s) => s.label);
  const out = [`| race | ${strategies.join(' | ')} | fixed (dfs, bound 2) |`, `|---|${strategies.map(() => '---|').join('')}---|`];
  for (const r of rows) {
    const cells = r.cells.map((c) => (c.found ? `found: ${c.schedules} sched., ${c.ms} ms` : `not found (${c.schedules} sched.)`));
    out.push(`| ${r.race} | ${cells.join(' | ')} | ${r.fixedClean ? `clean, ${r.fixedSchedules} sched.` : 'NOT clean'} |`);
  }
  return out.join('\n');
}
