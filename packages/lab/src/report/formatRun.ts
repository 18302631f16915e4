import type { RunReport, StepReport } from '../runner/RunReport.ts';

const HEX_FIELDS = new Set(['value', 'addr', 'start', 'end']);

/** An outcome or query value as one line, numbers in hex where they are addresses or words. */
export function fmt(v: unknown, field?: string): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'number') return field !== undefined && HEX_FIELDS.has(field) && v >= 10 ? `0x${v.toString(16)}` : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => fmt(x)).join(', ')}]`;
  const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${fmt(x, k)}`);
  return `{ ${parts.join(', ')} }`;
}

export function stepLine(r: StepReport): string {
  const mark = r.held === null ? ' ' : r.held ? '✓' : '✗';
  const th = r.thread !== undefined ? ` [t${r.thread}]` : '';
  return `${mark} ${String(r.index).padStart(3)}  line ${String(r.pos.line).padEnd(4)} ${r.op}${th} → ${fmt(r.outcome)}`;
}

/** The text report of one run. */
export function formatRun(r: RunReport, verbose: boolean): string {
  const out: string[] = [];
  out.push(`${r.name} on ${r.machine}`);
  for (const s of r.steps) if (verbose || s.held === false) out.push(`  ${stepLine(s)}`);
  for (const f of r.failures) {
    out.push(`  FAILED ${f.pos.file}:${f.pos.line}:${f.pos.col} step ${f.index} (${f.op}): ${f.failure}`);
  }
  for (const v of r.violations) {
    out.push(`  INVARIANT ${v.invariant} violated after step ${v.step} (line ${v.pos.line}): ${v.message}`);
  }
  if (r.error !== undefined) out.push(`  ERROR ${r.error}`);
  const withExp = r.steps.filter((s) => s.held !== null).length;
  out.push(`  ${r.steps.length} steps, ${withExp - r.failures.length}/${withExp} expectations held, ${r.violations.length} invariant violations`);
  const c = r.counters;
  out.push(
    `  faults ${c.faults ?? 0}, pte writes ${c.pte_writes ?? 0}, pt pages ${c.pt_pages ?? 0}, tlb invalidations ${c.tlb_invalidate ?? 0}, pagein ${c.pagein ?? 0}, pageout ${c.pageout ?? 0}`,
  );
  out.push(`  fingerprint: sha256 ${r.fingerprint} (outcomes, counters, event log)`);
  out.push(`  event log: ${r.eventCount} events, sha256 ${r.eventHash} (machine-independent events)`);
  return out.join('\n');
}

export function reportOk(r: RunReport): boolean {
  return r.failures.length === 0 && r.violations.length === 0 && r.error === undefined;
}

/** A run report as the JSON SCENARIO.md asks for. */
export function runJson(r: RunReport): unknown {
  return {
    scenario: r.name,
    machine: r.machine,
    ok: reportOk(r),
    steps: r.steps.map((s) => ({
      index: s.index,
      op: s.op,
      line: s.pos.line,
      ...(s.thread !== undefined ? { thread: s.thread } : {}),
      outcome: s.outcome,
      held: s.held,
      ...(s.failure !== undefined ? { failure: s.failure } : {}),
    })),
    failures: r.failures.length,
    violations: r.violations,
    counters: r.counters,
    events: r.events,
    fingerprint: r.fingerprint,
    eventHash: r.eventHash,
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}
