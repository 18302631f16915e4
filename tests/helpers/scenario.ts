import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeMachine, CORE_INVARIANTS, type Invariant, InvariantContribution, InvariantRegistry } from '@vmlab/core';
import { defaultCatalog, parseScenario, type RunReport, type Scenario, scenarioMachines, ScenarioRunner } from '@vmlab/lab';

/** The repository root and its examples folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLES = resolve(ROOT, 'examples');

/** Parses scenario text (the file name is only for messages). */
export function scenarioFrom(text: string, file = 'inline.yaml'): Scenario {
  return parseScenario(text, file);
}

export function exampleScenario(name: string): Scenario {
  const file = resolve(EXAMPLES, name);
  return parseScenario(readFileSync(file, 'utf8'), file);
}

/**
 * Runs a scenario on each of its machines (or the given presets) with every invariant
 * checked after every step, as `vmlab run` does.
 */
export async function runScenario(s: Scenario, machines?: string[]): Promise<RunReport[]> {
  const catalog = defaultCatalog();
  const out: RunReport[] = [];
  for (const m of scenarioMachines(s, catalog, machines)) {
    const machine = await composeMachine(m.spec, catalog, s.files, m.name);
    const inv = new InvariantRegistry();
    for (const i of CORE_INVARIANTS) inv.add(i);
    if (machine.container.isBound(InvariantContribution)) for (const i of machine.container.getAll<Invariant>(InvariantContribution)) inv.add(i);
    out.push(new ScenarioRunner(machine, s, { check: true, invariants: inv }).run());
  }
  return out;
}

/** Runs scenario text on one machine and returns its report. */
export async function runText(text: string, machine?: string): Promise<RunReport> {
  const r = await runScenario(scenarioFrom(text), machine !== undefined ? [machine] : undefined);
  return r[0]!;
}

/** The outcomes of the steps, in order. */
export function outcomes(r: RunReport): unknown[] {
  return r.steps.map((s) => s.outcome);
}

/** A one-line summary of what went wrong in a report (for assertion messages). */
export function problems(r: RunReport): string {
  return [
    ...r.failures.map((f) => `line ${f.pos.line} ${f.op}: ${f.failure}`),
    ...r.violations.map((v) => `${v.invariant}: ${v.message}`),
    ...(r.error !== undefined ? [r.error] : []),
  ].join('\n');
}
