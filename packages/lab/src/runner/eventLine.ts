import type { DomainEvent } from '@vmlab/core';

/** Serialises an event deterministically: references become ids (a pmap's id, a thread's pid.tid). */
export function eventLine(e: DomainEvent): string {
  let s = `{"kind":"${e.kind}","cause":${e.cause}`;
  // for-in over an event (a plain object literal) visits its own keys in insertion order,
  // as Object.entries does, without building the pairs.
  const o = e as unknown as Record<string, unknown>;
  for (const k in o) {
    if (k === 'kind' || k === 'cause') continue;
    const v = o[k];
    let out: string;
    if (v === null || v === undefined) out = 'null';
    else if (typeof v === 'number') out = Number.isSafeInteger(v) ? String(v) : JSON.stringify(v);
    else if (typeof v === 'boolean') out = v ? 'true' : 'false';
    else if (typeof v === 'object') {
      const r = v as { id?: number; pid?: number; tid?: number };
      out = r.id !== undefined ? String(r.id) : `"${r.pid}.${r.tid}"`;
    } else out = JSON.stringify(v);
    s += `,"${k}":${out}`;
  }
  return `${s}}`;
}
