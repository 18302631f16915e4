import { createHash } from 'node:crypto';
import type { RunReport } from './RunReport.ts';

/** Object keys as JSON strings, made once per key. */
const keyTexts = new Map<string, string>();
function keyText(k: string): string {
  let t = keyTexts.get(k);
  if (t === undefined) {
    t = JSON.stringify(k);
    keyTexts.set(k, t);
  }
  return t;
}

/** A JSON text with object keys in sorted order, so the same value always hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length > 1) keys.sort();
    let s = '{';
    for (const k of keys) {
      const x = o[k];
      if (x === undefined) continue;
      if (s.length > 1) s += ',';
      s += `${keyText(k)}:${canonical(x)}`;
    }
    return `${s}}`;
  }
  // The common leaves without JSON.stringify (same text).
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
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
  // The step lines are hashed in chunks (one update per chunk, not per step: the same digest).
  let chunk = '';
  for (const s of r.steps) {
    chunk += `step ${s.index} ${s.thread ?? '-'} ${s.op} ${canonical(s.outcome)}\n`;
    if (chunk.length >= 65536) {
      h.update(chunk);
      chunk = '';
    }
  }
  h.update(chunk);
  h.update(`counters ${canonical(r.counters)}\n`);
  for (const v of r.violations) h.update(`violation ${v.invariant} ${v.step} ${v.message}\n`);
  if (r.error !== undefined) h.update(`error ${r.error}\n`);
  return h.digest('hex');
}
