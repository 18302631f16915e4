import { type Catalog, MachineError, type Machine, type Violation, composeMachine } from '@vmlab/core';
import { type OutputStream, openOutput } from '../io/outputFile.ts';
import { LogWriter } from '../replay/log.ts';
import { machineInvariants } from '../replay/replay.ts';
import type { Scenario } from '../scenario/ast.ts';
import { InputError } from '../scenario/InputError.ts';
import type { NamedMachine } from '../scenario/loadScenario.ts';
import { ScenarioRunner } from './ScenarioRunner.ts';
import { RunError, type RunOptions, type RunReport } from './RunReport.ts';

export interface RunOnMachineOptions extends Omit<RunOptions, 'invariants'> {
  /** Write the run log (command log and domain event log, JSON lines) to this file. */
  log?: string;
  /** The seed that chose the schedule (explore's), recorded in the log. */
  seed?: number;
  /** Sees every invariant check's result (the lanes pin violations to the slice that broke them). */
  onCheck?: (violations: readonly Violation[]) => void;
}

/** Composes the machine; bad machine input becomes InputError. */
export async function composeNamed(s: Scenario, m: NamedMachine, catalog: Catalog): Promise<Machine> {
  try {
    return await composeMachine(m.spec, catalog, s.files, m.name);
  } catch (e) {
    if (e instanceof MachineError) throw new InputError(e.message);
    throw e;
  }
}

/**
 * Composes the machine and runs the scenario on it. With `log`, every line of the run log
 * is written (synchronously) as the run goes, so a run that stops still leaves its log.
 */
export async function runOnMachine(s: Scenario, m: NamedMachine, catalog: Catalog, opts: RunOnMachineOptions): Promise<RunReport> {
  const machine = await composeNamed(s, m, catalog);
  const { log: logFile, seed, onCheck, ...rest } = opts;
  const invariants = machineInvariants(machine);
  if (onCheck !== undefined) {
    const check = invariants.check.bind(invariants);
    invariants.check = (m) => {
      const v = check(m);
      onCheck(v);
      return v;
    };
  }
  const runOpts: RunOptions = { ...rest, invariants };
  let out: OutputStream | undefined;
  let writer: LogWriter | undefined;
  if (logFile !== undefined) {
    out = openOutput('--log', logFile, s.file.startsWith('<') ? [] : [s.file]);
    const o = out;
    writer = new LogWriter((l) => o.write(l));
    writer.config(
      {
        name: s.name,
        scenario: s.file,
        machine: machine.name,
        spec: machine.spec,
        files: s.files,
        seed: seed ?? 0,
        check: opts.check === true,
        stopOnViolation: opts.stopOnViolation === true,
      },
      s.steps,
    );
    const hooks = writer.options();
    runOpts.onCommand = (c, st) => {
      hooks.onCommand!(c, st);
      opts.onCommand?.(c, st);
    };
    runOpts.onSchedule = (p, st) => {
      hooks.onSchedule!(p, st);
      opts.onSchedule?.(p, st);
    };
    runOpts.onEventLine = (l) => {
      hooks.onEventLine!(l);
      opts.onEventLine?.(l);
    };
  }
  try {
    const r = new ScenarioRunner(machine, s, runOpts).run();
    writer?.end(r);
    return r;
  } catch (e) {
    if (e instanceof RunError) throw new InputError(e.message);
    throw e;
  } finally {
    out?.close();
  }
}
