import { createHash } from 'node:crypto';
import type { RunReport } from './RunReport.ts';

/** A JSON text with object keys in sorted order, so the same value always hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  // 64-bit values (addresses and loads past 2^53) as their hex text, as --json writes them.
  if (typeof v === 'bigint') return JSON.stringify(`0x${v.toString(16)}`);
  return JSON.stringify(v) ?? 'null';
}

/**
 * The run's fingerprint: sha256 over the machine-independent event log's hash, every step's
 * outcome (values read, signals with their MD codes and pkeys, errnos), every counter (the
 * machine-dependent events: PTE writes, shootdowns, the arch's own counters), the invariant
 * violations and the error. Two runs with the same fingerprint saw the same thing; the
 * event log hash alone cannot tell a PKRU bug from its fix (they differ only in what a read
 * returns).
 */
export function fingerprintOf(r: Omit<RunReport, 'fingerprint'>): string {
  const h = createHash('sha256');
  h.update(`events ${r.eventHash}\n`);
  for (const s of r.steps) h.update(`step ${s.index} ${s.thread ?? '-'} ${s.op} ${canonical(s.outcome)}\n`);
  h.update(`counters ${canonical(r.counters)}\n`);
  for (const v of r.violations) h.update(`violation ${v.invariant} ${v.step} ${v.message}\n`);
  if (r.error !== undefined) h.update(`error ${r.error}\n`);
  return h.digest('hex');
}
