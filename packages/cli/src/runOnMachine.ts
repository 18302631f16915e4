import { createWriteStream, type WriteStream } from 'node:fs';
import {
  CORE_INVARIANTS,
  type Catalog,
  InvariantContribution,
  type Invariant,
  InvariantRegistry,
  MachineError,
  type RunOptions,
  type RunReport,
  RunError,
  type Scenario,
  ScenarioRunner,
  composeMachine,
} from '@vmlab/core';
import { InputError, type NamedMachine } from './loadScenario.ts';

export interface RunOnMachineOptions extends Omit<RunOptions, 'invariants'> {
  log?: string;
}

/** Composes the machine and runs the scenario on it; bad machine input becomes InputError. */
export async function runOnMachine(s: Scenario, m: NamedMachine, catalog: Catalog, opts: RunOnMachineOptions): Promise<RunReport> {
  let machine;
  try {
    machine = await composeMachine(m.spec, catalog, s.files, m.name);
  } catch (e) {
    if (e instanceof MachineError) throw new InputError(e.message);
    throw e;
  }
  const invariants = new InvariantRegistry();
  for (const i of CORE_INVARIANTS) invariants.add(i);
  if (machine.container.isBound(InvariantContribution)) {
    for (const i of machine.container.getAll<Invariant>(InvariantContribution)) invariants.add(i);
  }
  let log: WriteStream | undefined;
  const runOpts: RunOptions = { ...opts, invariants };
  if (opts.log !== undefined) {
    log = createWriteStream(opts.log);
    log.write(`${JSON.stringify({ type: 'config', scenario: s.file, name: s.name, machine: m.name, spec: machine.spec, seed: 0 })}\n`);
    runOpts.onCommand = (c) => log!.write(`${JSON.stringify({ type: 'command', ...c })}\n`);
    runOpts.onEventLine = (l) => log!.write(`{"type":"event","event":${l}}\n`);
  }
  try {
    const r = new ScenarioRunner(machine, s, runOpts).run();
    if (log !== undefined) {
      log.write(`${JSON.stringify({ type: 'end', eventHash: r.eventHash, events: r.eventCount })}\n`);
      await new Promise<void>((res) => log!.end(res));
    }
    return r;
  } catch (e) {
    if (e instanceof RunError) throw new InputError(e.message);
    throw e;
  }
}
