/**
 * A RunOnce with machine snapshots: the first run composes the machine and runs the scenario
 * from its first step; at the start of each `concurrent` step (no kernel thread in flight,
 * so the machine's state is data) the explorer may take a snapshot of the machine and the
 * runner (HeapSnapshot, in place), and a later run resumes from it: the state is written
 * back into the same objects and the runner goes on from that step, instead of composing a
 * machine and re-running the steps before it.
 *
 * The walk starts at the runner (its reports, event hash and counters of what it has seen),
 * which reaches the machine, the kernel and the invariants, and at the machine's event
 * subscribers; it does not go into the scenario, the machine's resolved spec or its
 * inversify container (composition data that no step changes). A machine holding state the
 * walk cannot record (Unsnapshottable) is run without snapshots, from its first step.
 */
import { type Catalog, EventSubscriber } from '@vmlab/core';
import { machineInvariants } from '../replay/replay.ts';
import { composeNamed } from '../runner/runOnMachine.ts';
import { RunError, type RunReport } from '../runner/RunReport.ts';
import { ScenarioRunner } from '../runner/ScenarioRunner.ts';
import type { Scenario } from '../scenario/ast.ts';
import { InputError } from '../scenario/InputError.ts';
import type { NamedMachine } from '../scenario/loadScenario.ts';
import type { ExploreHooks, RunOnce, RunSnapshot } from './exploreTypes.ts';
import { HeapSnapshot, Unsnapshottable, stateHash } from './heapSnapshot.ts';

/** One composed machine and its runner; the hooks of the run now using it. */
interface Session {
  runner: ScenarioRunner;
  hooks: ExploreHooks;
}

class Snap implements RunSnapshot {
  constructor(
    readonly session: Session,
    readonly step: number,
    readonly heap: HeapSnapshot,
  ) {}
  get objects(): number {
    return this.heap.size;
  }
  get bytes(): number {
    return this.heap.bytes;
  }
}

/** The runs of scenario `s` on machine `m` (check and stop on the first violation, as explore runs them), with snapshots. */
export function snapshotRunOnce(s: Scenario, m: NamedMachine, catalog: Catalog): RunOnce {
  let refused = false;
  const finish = (r: RunReport): RunReport => {
    if (r.inputError === true) throw new InputError(r.error!);
    return r;
  };
  const go = (session: Session, from: number): RunReport => {
    try {
      return finish(session.runner.run(from));
    } catch (e) {
      if (e instanceof RunError) throw new InputError(e.message);
      throw e;
    }
  };
  return async (hooks) => {
    const from = hooks.from;
    if (from !== undefined) {
      if (!(from instanceof Snap)) throw new Error('explore: a snapshot from another run was given');
      from.session.hooks = hooks;
      from.heap.restore();
      return go(from.session, from.step);
    }
    const machine = await composeNamed(s, m, catalog);
    const session = { hooks } as Session;
    const c = machine.container;
    const subscribers = c.isBound(EventSubscriber) ? c.getAll<object>(EventSubscriber) : [];
    const skip = new Set<object>([c, s, machine.spec]);
    const take = (step: number): RunSnapshot | undefined => {
      if (refused) return undefined;
      try {
        return new Snap(session, step, HeapSnapshot.take([session.runner, ...subscribers], skip));
      } catch (e) {
        if (!(e instanceof Unsnapshottable)) throw e;
        refused = true;
        return undefined;
      }
    };
    // The machine and the saved values (not the runner's record of the run so far: its reports and event hash differ between schedules that converge).
    const state = (step: number): string | undefined => {
      const carried = session.runner.carried();
      if (refused || carried.problem) return undefined;
      try {
        return `${step}:${stateHash([machine.kernel, ...subscribers, carried.saved], skip)}`;
      } catch (e) {
        if (!(e instanceof Unsnapshottable)) throw e;
        refused = true;
        return undefined;
      }
    };
    session.runner = new ScenarioRunner(machine, s, {
      check: true,
      stopOnViolation: true,
      invariants: machineInvariants(machine),
      chooser: (rs, point, sch) => session.hooks.chooser(rs, point, sch),
      onSchedule: (p, st) => session.hooks.onSchedule(p, st),
      onConcurrent: (d, st) => session.hooks.onConcurrent(d, st),
      beforeConcurrent: (step) =>
        session.hooks.atConcurrent?.(
          () => take(step),
          () => state(step),
        ),
    });
    return go(session, 0);
  };
}
