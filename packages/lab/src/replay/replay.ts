import { createHash } from 'node:crypto';
import {
  CORE_INVARIANTS,
  type Catalog,
  type Invariant,
  InvariantContribution,
  type Violation,
  InvariantRegistry,
  type Machine,
  composeMachine,
} from '@vmlab/core';
import type { Scenario } from '../scenario/ast.ts';
import { ScenarioRunner } from '../runner/ScenarioRunner.ts';
import type { RunOptions, RunReport } from '../runner/RunReport.ts';
import type { RunLog } from './log.ts';
import { type StateSnapshot, stateSnapshot } from '../view/stateSnapshot.ts';

/** Core's invariants and every one the machine's modules contribute. */
export function machineInvariants(machine: Machine): InvariantRegistry {
  const inv = new InvariantRegistry();
  for (const i of CORE_INVARIANTS) inv.add(i);
  if (machine.container.isBound(InvariantContribution)) for (const i of machine.container.getAll<Invariant>(InvariantContribution)) inv.add(i);
  return inv;
}

/** sha256 over event lines, each followed by a newline (as the runner hashes them). */
export function hashEventLines(lines: readonly string[]): string {
  const h = createHash('sha256');
  let chunk = '';
  for (const l of lines) {
    chunk += `${l}\n`;
    if (chunk.length >= 65536) {
      h.update(chunk);
      chunk = '';
    }
  }
  h.update(chunk);
  return h.digest('hex');
}

/** Hooks into a replay as it goes (the viewer records states, lanes and the timeline). */
export interface ReplayObserver extends Pick<RunOptions, 'onCommand' | 'afterCommand' | 'onSchedule' | 'onEventLine'> {
  /** Every invariant check's result (the runner reports each violation once; this sees every check). */
  onCheck?: (violations: readonly Violation[]) => void;
  /** The fresh machine, before the first command. */
  onMachine?: (m: Machine) => void;
}

export interface ReplayOptions {
  /** Replay commands up to and including this sequence number. */
  until?: number;
  observe?: ReplayObserver;
}

export interface ReplayResult {
  /** The hash the log's end line states (undefined when the log has no end line). */
  loggedHash?: string;
  /** The hash over the log's own event lines (the same as loggedHash for an intact log). */
  logEventsHash: string;
  /** The hash of the replayed run's event log. */
  replayHash: string;
  /** The replayed event log is byte-identical to the logged one (its prefix with --until). */
  identical: boolean;
  /** The first difference, if any: the event index and both lines. */
  firstDifference?: { index: number; logged?: string; replayed?: string };
  /** The logged schedule could not be followed (a runnable set differed). */
  scheduleDivergence?: string;
  report: RunReport;
  machine: Machine;
  replayedEvents: number;
  loggedEvents: number;
}

/** The scenario a log carries (its steps; no file is read). */
export function scenarioOfLog(log: RunLog): Scenario {
  return { name: log.config.name, file: log.config.scenario, files: log.config.files, steps: log.steps };
}

/**
 * Rebuilds a fresh machine from the log's configuration, runs the log's steps with the
 * logged scheduling choices, and compares the event log with the logged one.
 */
export async function replayLog(log: RunLog, catalog: Catalog, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const machine = await composeMachine(log.config.spec, catalog, log.config.files, log.config.machine);
  const replayed: string[] = [];
  let choice = 0;
  let divergence: string | undefined;
  const ob = opts.observe;
  ob?.onMachine?.(machine);
  const invariants = machineInvariants(machine);
  if (ob?.onCheck !== undefined) {
    const check = invariants.check.bind(invariants);
    const onCheck = ob.onCheck;
    invariants.check = (m) => {
      const v = check(m);
      onCheck(v);
      return v;
    };
  }
  const report = new ScenarioRunner(machine, scenarioOfLog(log), {
    check: log.config.check,
    invariants,
    stopOnViolation: log.config.stopOnViolation,
    ...(opts.until !== undefined ? { stopAfterCommand: opts.until } : {}),
    ...(ob?.onCommand !== undefined ? { onCommand: ob.onCommand } : {}),
    ...(ob?.afterCommand !== undefined ? { afterCommand: ob.afterCommand } : {}),
    ...(ob?.onSchedule !== undefined ? { onSchedule: ob.onSchedule } : {}),
    onEventLine: (l) => {
      replayed.push(l);
      ob?.onEventLine?.(l);
    },
    chooser: (runnable) => {
      const p = log.schedule[choice++];
      if (p === undefined || p.runnable.join(',') !== runnable.join(',') || !runnable.includes(p.chosen)) {
        divergence ??= `scheduling point ${choice - 1}: the log has ${p === undefined ? 'no choice' : `runnable [${p.runnable.join(', ')}], chose ${p.chosen}`}; the replay has runnable [${runnable.join(', ')}]`;
        return runnable[0]!;
      }
      return p.chosen;
    },
  }).run();
  const logged = opts.until !== undefined ? log.events.slice(0, replayed.length) : log.events;
  let firstDifference: ReplayResult['firstDifference'];
  const n = Math.max(logged.length, replayed.length);
  for (let i = 0; i < n; i++) {
    if (logged[i] !== replayed[i]) {
      firstDifference = {
        index: i,
        ...(logged[i] !== undefined ? { logged: logged[i] } : {}),
        ...(replayed[i] !== undefined ? { replayed: replayed[i] } : {}),
      };
      break;
    }
  }
  const logEventsHash = hashEventLines(logged);
  const replayHash = opts.until !== undefined ? hashEventLines(replayed) : report.eventHash;
  const loggedHash = opts.until !== undefined ? logEventsHash : log.end?.eventHash;
  const identical =
    firstDifference === undefined && divergence === undefined && (loggedHash === undefined || loggedHash === replayHash) && logEventsHash === replayHash;
  return {
    ...(loggedHash !== undefined ? { loggedHash } : {}),
    logEventsHash,
    replayHash,
    identical,
    ...(firstDifference !== undefined ? { firstDifference } : {}),
    ...(divergence !== undefined ? { scheduleDivergence: divergence } : {}),
    report,
    machine,
    replayedEvents: replayed.length,
    loggedEvents: log.events.length,
  };
}

/** The machine's state, for time travel (`replay --until`): the viewer's snapshot. */
export function machineState(machine: Machine): StateSnapshot {
  return stateSnapshot(machine);
}
