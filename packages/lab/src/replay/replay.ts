import { createHash } from 'node:crypto';
import {
  CORE_INVARIANTS,
  type Catalog,
  type Invariant,
  InvariantContribution,
  InvariantRegistry,
  type Machine,
  composeMachine,
  protToString,
} from '@vmlab/core';
import type { Scenario } from '../scenario/ast.ts';
import { ScenarioRunner } from '../runner/ScenarioRunner.ts';
import { type RunReport } from '../runner/RunReport.ts';
import type { RunLog } from './log.ts';

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
  for (const l of lines) {
    h.update(l);
    h.update('\n');
  }
  return h.digest('hex');
}

export interface ReplayOptions {
  /** Replay commands up to and including this sequence number. */
  until?: number;
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
  const report = new ScenarioRunner(machine, scenarioOfLog(log), {
    check: log.config.check,
    invariants: machineInvariants(machine),
    stopOnViolation: log.config.stopOnViolation,
    ...(opts.until !== undefined ? { stopAfterCommand: opts.until } : {}),
    onEventLine: (l) => replayed.push(l),
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
      firstDifference = { index: i, ...(logged[i] !== undefined ? { logged: logged[i] } : {}), ...(replayed[i] !== undefined ? { replayed: replayed[i] } : {}) };
      break;
    }
  }
  const logEventsHash = hashEventLines(logged);
  const replayHash = opts.until !== undefined ? hashEventLines(replayed) : report.eventHash;
  const loggedHash = opts.until !== undefined ? logEventsHash : log.end?.eventHash;
  const identical = firstDifference === undefined && divergence === undefined && (loggedHash === undefined || loggedHash === replayHash) && logEventsHash === replayHash;
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

/** The machine's state, for time travel: processes, their map entries, RSS, and counters. */
export function machineState(machine: Machine): Record<string, unknown> {
  const k = machine.kernel;
  const procs: unknown[] = [];
  for (const p of k.procs.values()) {
    const vms = p.vmspace;
    const threads: number[] = [];
    for (const t of p.threads.values()) if (t.alive) threads.push(t.tid);
    procs.push({
      pid: p.pid,
      state: p.state,
      ...(p.kernel ? { kernel: true } : {}),
      threads,
      vmspace_refs: vms.refs,
      rss: vms.dead ? 0 : vms.pmap.residentCount,
      entries: vms.map.entries.map((e) => ({
        start: e.start,
        end: e.end,
        prot: protToString(e.prot),
        inherit: e.inherit,
        shared: e.shared,
        object: e.object?.id ?? null,
        ...(e.revoked ? { revoked: true } : {}),
      })),
    });
  }
  const events: Record<string, number> = {};
  for (const [kind, n] of Object.entries(k.bus.counts)) if (n > 0) events[kind] = n;
  return {
    processes: procs,
    free_pages: k.mem.freeCount,
    swap_used: k.anonPager.used?.() ?? 0,
    counters: machine.counters.snapshot(),
    events,
  };
}
