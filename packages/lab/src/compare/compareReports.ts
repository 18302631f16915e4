/**
 * `compare`: one scenario on several machines, lined up step by step; what differs is
 * marked machine-independent or machine-dependent (SCENARIO.md "compare").
 */
import { type Catalog, bigintJson, resolveSpec } from '@vmlab/core';
import { type MachineLegend, specLegend } from '../view/viewModel.ts';
import type { Scenario, Step } from '../scenario/ast.ts';
import { InputError } from '../scenario/InputError.ts';
import type { NamedMachine } from '../scenario/loadScenario.ts';
import { reportOk } from '../report/formatRun.ts';
import type { RunReport } from '../runner/RunReport.ts';
import { runOnMachine } from '../runner/runOnMachine.ts';

/** Operations whose outcome is machine-dependent by nature (the MD system calls). */
const MD_OPS = new Set(['sysarch', 'pkey_set', 'wrpkru', 'pkey_alloc', 'pkey_free', 'pkey_mprotect']);
/** `check` queries whose value is machine-dependent. */
const MD_QUERIES = new Set(['pkey', 'guarded', 'pkru', 'pte']);
/** Counters always shown, then every counter with one of the prefixes. */
const BASE_COUNTERS = ['faults', 'pte_writes', 'pt_pages', 'tlb_invalidate', 'pagein', 'pageout'];
const COUNTER_PREFIXES = ['tlb.', 'pkru.', 'bti.'];

/** One step across the machines. */
export interface CompareRow {
  index: number;
  op: string;
  line: number;
  /** The step (or the differing part of a check) is machine-dependent. */
  md: boolean;
  outcomes: Record<string, unknown>;
  held: Record<string, boolean | null>;
  differs: boolean;
  /** For a differing check: the queries whose values differ. */
  differingQueries?: string[];
}

/** Points of the counters-over-time series per machine. */
export const SAMPLES = 50;

export interface CompareResult {
  scenario: string;
  machines: string[];
  ok: boolean;
  rows: CompareRow[];
  firstDivergence: { index: number; op: string; line: number; md: boolean } | null;
  /** First divergence of a machine-independent step (or MI part of a check). */
  firstMiDivergence: { index: number; op: string; line: number } | null;
  counterNames: string[];
  counters: Record<string, Record<string, number>>;
  reports: RunReport[];
  /** Each machine's legend (compareScenario fills it in). */
  legends?: MachineLegend[];
  /** The run log written for each machine (compareScenario with `logFor`). */
  logs?: Record<string, string>;
}

function stepsByPos(steps: readonly Step[], out = new Map<string, Step>()): Map<string, Step> {
  for (const s of steps) {
    out.set(`${s.pos.line}:${s.pos.col}`, s);
    const threads = s.args.threads as unknown;
    if (s.op === 'concurrent' && Array.isArray(threads)) for (const t of threads) if (Array.isArray(t)) stepsByPos(t as Step[], out);
  }
  return out;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a, bigintJson) === JSON.stringify(b, bigintJson);

/** Whether a step is machine-dependent (an MD syscall, an indirect-branch fetch). */
function stepIsMd(op: string, step: Step | undefined): boolean {
  if (MD_OPS.has(op)) return true;
  if (op === 'fetch' && step !== undefined && step.args.branch !== undefined && step.args.branch !== 'direct') return true;
  return false;
}

/** Lines up the reports of one scenario on several machines. */
export function compareReports(s: Scenario, reports: RunReport[]): CompareResult {
  const names = reports.map((r) => r.machine);
  const byPos = stepsByPos(s.steps);
  const n = Math.max(...reports.map((r) => r.steps.length));
  const rows: CompareRow[] = [];
  let first: CompareResult['firstDivergence'] = null;
  let firstMi: CompareResult['firstMiDivergence'] = null;
  for (let i = 0; i < n; i++) {
    const ref = reports.find((r) => r.steps[i] !== undefined)!.steps[i]!;
    const step = byPos.get(`${ref.pos.line}:${ref.pos.col}`);
    const outcomes: Record<string, unknown> = {};
    const held: Record<string, boolean | null> = {};
    for (const r of reports) {
      const st = r.steps[i];
      outcomes[r.machine] = st === undefined ? '(not run)' : st.outcome;
      held[r.machine] = st === undefined ? null : st.held;
    }
    const vals = names.map((m) => outcomes[m]);
    const differs = vals.some((v) => !same(v, vals[0]));
    let md = stepIsMd(ref.op, step);
    let miDiffers = differs && !md;
    const row: CompareRow = { index: i, op: ref.op, line: ref.pos.line, md, outcomes, held, differs };
    if (differs && ref.op === 'check' && vals.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      const keys = new Set<string>();
      for (const v of vals) for (const k of Object.keys(v as object)) keys.add(k);
      const dq = [...keys].filter((k) => vals.some((v) => !same((v as Record<string, unknown>)[k], (vals[0] as Record<string, unknown>)[k])));
      row.differingQueries = dq;
      miDiffers = dq.some((q) => !MD_QUERIES.has(q));
      md = !miDiffers;
      row.md = md;
    }
    if (differs && first === null) first = { index: i, op: ref.op, line: ref.pos.line, md };
    if (miDiffers && firstMi === null) firstMi = { index: i, op: ref.op, line: ref.pos.line };
    rows.push(row);
  }
  const counterSet = new Set<string>(BASE_COUNTERS);
  for (const r of reports) for (const k of Object.keys(r.counters)) if (COUNTER_PREFIXES.some((p) => k.startsWith(p))) counterSet.add(k);
  const counterNames = [...counterSet];
  const counters: Record<string, Record<string, number>> = {};
  for (const r of reports) {
    const c: Record<string, number> = {};
    for (const k of counterNames) c[k] = r.counters[k] ?? 0;
    counters[r.machine] = c;
  }
  return {
    scenario: s.name,
    machines: names,
    ok: reports.every(reportOk),
    rows,
    firstDivergence: first,
    firstMiDivergence: firstMi,
    counterNames,
    counters,
    reports,
  };
}

/**
 * Runs the scenario on each machine (invariants checked unless `check` is false) and lines
 * the reports up. Two machines of one name, or bad input met while running, is InputError.
 */
export async function compareScenario(
  s: Scenario,
  machines: NamedMachine[],
  catalog: Catalog,
  opts: { check?: boolean; logFor?: (machine: string) => string } = {},
): Promise<CompareResult> {
  const seen = new Set<string>();
  for (const m of machines) {
    if (seen.has(m.name)) throw new InputError(`${s.file}: machine name '${m.name}' appears twice; give inline machines distinct names`);
    seen.add(m.name);
  }
  const reports: RunReport[] = [];
  const logs: Record<string, string> = {};
  // the counters over time: about SAMPLES points per machine
  const sampleEvery = Math.max(1, Math.ceil(s.steps.length / SAMPLES));
  for (const m of machines) {
    const log = opts.logFor?.(m.name);
    if (log !== undefined) logs[m.name] = log;
    reports.push(await runOnMachine(s, m, catalog, { check: opts.check !== false, sampleEvery, ...(log !== undefined ? { log } : {}) }));
  }
  const input = reports.find((r) => r.inputError === true);
  if (input !== undefined) throw new InputError(input.error!);
  const legends = machines.map((m) => {
    let spec = m.spec;
    try {
      spec = resolveSpec(m.spec, catalog);
    } catch {
      // composed fine above; keep the spec as written
    }
    return specLegend(m.name, spec, catalog);
  });
  return { ...compareReports(s, reports), legends, ...(opts.logFor !== undefined ? { logs } : {}) };
}
