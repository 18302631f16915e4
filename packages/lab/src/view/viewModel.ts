/**
 * What the viewer shows of one run log: the log replayed once on a fresh machine, with the
 * state after every command (what `replay --until N` computes, in the compact form of
 * StateTable), the event timeline in columns, the lanes of its races, the violations and
 * failed expectations, and a legend of the machine.
 */
import { type Catalog, EVENT_KINDS, type Machine, type MachineSpec } from '@vmlab/core';
import { fmt } from '../report/formatRun.ts';
import type { RunLog } from '../replay/log.ts';
import { replayLogFile } from '../replay/loadLog.ts';
import { type EncodedState, StateTable } from './encodeStates.ts';
import { LaneRecorder, type Lanes } from './lanes.ts';
import { stateSnapshot } from './stateSnapshot.ts';

export interface ViewCommand {
  seq: number;
  step: number;
  op: string;
  thread?: number;
  line: number;
  /** The normalised arguments, as text. */
  text: string;
  /** The step's expectation failed (its message). */
  failure?: string;
}

export interface MachineLegend {
  name: string;
  arch: string;
  abi: string;
  cpus: number;
  /** Policies whose value is not the default for the abi. */
  policies: Record<string, string>;
  plugins: string[];
  features: Record<string, boolean>;
}

export interface ViewViolation {
  invariant: string;
  message: string;
  /** The command running or last finished when it was found, and the events before it. */
  seq: number;
  event: number;
}

export interface ViewModel {
  file: string;
  scenario: string;
  source: string;
  legend: MachineLegend;
  /** The replay's event log is byte-identical to the logged one. */
  identical: boolean;
  commands: ViewCommand[];
  /** Events in columns: kind (index into kinds), cause (command seq), the other fields as JSON text. */
  kinds: string[];
  /** Which kinds are the pmap layer's (MD) rather than the MI VM's. */
  mdKinds: string[];
  ek: number[];
  ec: number[];
  ed: string[];
  /** The table of StateTable and the state after each command (index seq - 1). */
  table: string[];
  states: EncodedState[];
  lanes: Lanes[];
  violations: ViewViolation[];
  error?: string;
}

/** Kinds of the pmap layer (the MD half of the machine): pmap_* and tlb_*. */
export function isMdKind(kind: string): boolean {
  return kind.startsWith('pmap_') || kind.startsWith('tlb_') || kind === 'context_switch';
}

export function machineLegend(log: RunLog, catalog: Catalog): MachineLegend {
  return specLegend(log.config.machine, log.config.spec, catalog);
}

/** A machine's legend: arch, abi, CPUs, the policies that are not the abi's default, plugins. */
export function specLegend(name: string, s: MachineSpec, catalog: Catalog): MachineLegend {
  const policies: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.policies)) {
    let d: string | undefined;
    try {
      d = catalog.policies.defaultOf(k, s.abi);
    } catch {
      d = undefined;
    }
    if (v !== d) policies[k] = v;
  }
  return { name, arch: s.arch, abi: s.abi, cpus: s.cpus, policies, plugins: s.plugins ?? [], features: s.features ?? {} };
}

/** Arguments without the source positions the parser keeps on nested queries. */
function withoutPos(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutPos);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'pos') out[k] = withoutPos(x);
  return out;
}

/** Replays `log` once and records everything the viewer shows. */
export async function viewModel(log: RunLog, file: string, catalog: Catalog): Promise<ViewModel> {
  const table = new StateTable();
  const lanes = new LaneRecorder();
  const kinds: string[] = [...EVENT_KINDS];
  const kindIndex = new Map(kinds.map((k, i) => [k, i]));
  const ek: number[] = [];
  const ec: number[] = [];
  const ed: string[] = [];
  const violations: ViewViolation[] = [];
  const seen = new Set<string>();
  const states = new Map<number, { s: Omit<EncodedState, 'c'>; c: Record<string, number> }>();
  let current = 0;
  let machine: Machine | undefined;
  const snap = (seq: number): void => {
    if (machine === undefined) return;
    const st = stateSnapshot(machine);
    states.set(seq, { s: table.encode(st), c: st.counters });
  };
  const r = await replayLogFile(log, file, catalog, {
    observe: {
      onCommand: (c) => {
        current = c.seq;
        lanes.onCommand(c);
      },
      afterCommand: (seq) => snap(seq),
      onSchedule: (p, s) => lanes.onSchedule(p, s),
      onEventLine: (l) => {
        lanes.onEventLine();
        const m = /^\{"kind":"([a-z_]+)","cause":(-?\d+|null)(?:,(.*))?\}$/.exec(l);
        const kind = m?.[1] ?? 'unknown';
        let ki = kindIndex.get(kind);
        if (ki === undefined) {
          ki = kinds.length;
          kinds.push(kind);
          kindIndex.set(kind, ki);
        }
        ek.push(ki);
        ec.push(m?.[2] === undefined || m[2] === 'null' ? 0 : Number(m[2]));
        ed.push(m?.[3] ?? l);
      },
      onCheck: (vs) => {
        lanes.onCheck(vs);
        for (const v of vs) {
          const key = `${v.invariant}:${v.message}`;
          if (seen.has(key)) continue;
          seen.add(key);
          violations.push({ invariant: v.invariant, message: v.message, seq: current, event: ek.length });
        }
      },
      onMachine: (m) => {
        machine = m;
      },
    },
  });
  // A command that never finished (the run stopped first) shows the state the run ended in.
  const final = stateSnapshot(r.machine);
  const finalEnc = { s: table.encode(final), c: final.counters };
  const byStep = new Map(r.report.steps.map((s) => [s.index, s]));
  const commands: ViewCommand[] = log.commands.map((c) => {
    const sr = byStep.get(c.step);
    return {
      seq: c.seq,
      step: c.step,
      op: c.op,
      ...(c.thread !== undefined ? { thread: c.thread } : {}),
      line: c.line,
      text: fmt(withoutPos(c.args)),
      ...(sr?.held === false ? { failure: sr.failure ?? 'failed' } : {}),
    };
  });
  const encoded = commands.map((c) => {
    const x = states.get(c.seq) ?? finalEnc;
    return table.counters(x.s, x.c);
  });
  return {
    file,
    scenario: log.config.name,
    source: log.config.scenario,
    legend: machineLegend(log, catalog),
    identical: r.identical,
    commands,
    kinds,
    mdKinds: kinds.filter(isMdKind),
    ek,
    ec,
    ed,
    table: table.table,
    states: encoded,
    lanes: lanes.finish(r.report.violations.length > 0 && log.config.stopOnViolation),
    violations,
    ...(r.report.error !== undefined ? { error: r.report.error } : {}),
  };
}
