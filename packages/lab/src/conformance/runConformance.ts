import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalog, type MachineSpec, composeMachine, defaultMachine } from '@vmlab/core';
import { machineInvariants } from '../replay/replay.ts';
import { parseScenario } from '../scenario/parseScenario.ts';
import { ScenarioRunner } from '../runner/ScenarioRunner.ts';
import { CONFORMANCE, type ConformanceCase } from './scenarios.ts';

/** One conformance case on one machine. */
export interface ConformanceResult {
  readonly name: string;
  readonly rules: string;
  /** Every expectation held and no invariant broke. */
  readonly ok: boolean;
  /** What went wrong: failed expectations (with the line in the case), violations, errors. */
  readonly problems: readonly string[];
}

export interface ConformanceOptions {
  /** The cases to run (default: CONFORMANCE). */
  readonly cases?: readonly ConformanceCase[];
  /** Only the cases with these names. */
  readonly only?: readonly string[];
}

/**
 * A machine spec for a pmap plugin file (a path or a file: URL, e.g.
 * `new URL('./index.ts', import.meta.url)`) with the default machine's settings.
 */
export function pluginMachine(file: string | URL, over: Partial<MachineSpec> = {}): MachineSpec {
  const path = file instanceof URL || file.startsWith('file:') ? fileURLToPath(file) : resolve(file);
  return { ...defaultMachine(path), ...over };
}

/**
 * Runs the conformance suite on a machine (any arch, built-in or a plugin's): each case is
 * composed afresh and run with every invariant the machine has checked after every step.
 * A pmap conforms when every result is ok.
 */
export async function runConformance(machine: MachineSpec, catalog: Catalog, opts: ConformanceOptions = {}): Promise<ConformanceResult[]> {
  const cases = (opts.cases ?? CONFORMANCE).filter((c) => opts.only === undefined || opts.only.includes(c.name));
  const out: ConformanceResult[] = [];
  for (const c of cases) {
    const s = parseScenario(c.yaml, `conformance/${c.name}.yaml`);
    const problems: string[] = [];
    try {
      const m = await composeMachine(machine, catalog, s.files, machine.name ?? c.name);
      const r = new ScenarioRunner(m, s, { check: true, invariants: machineInvariants(m) }).run();
      for (const f of r.failures) problems.push(`line ${f.pos.line} ${f.op}: ${f.failure}`);
      for (const v of r.violations) problems.push(`${v.invariant}: ${v.message}`);
      if (r.error !== undefined) problems.push(r.error);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
    out.push({ name: c.name, rules: c.rules, ok: problems.length === 0, problems });
  }
  return out;
}
