import type { DomainEvent } from '@vmlab/core';

/** Serialises an event deterministically: references become ids (a pmap's id, a thread's pid.tid). */
export function eventLine(e: DomainEvent): string {
  let s = `{"kind":"${e.kind}","cause":${e.cause}`;
  for (const [k, v] of Object.entries(e)) {
    if (k === 'kind' || k === 'cause') continue;
    let out: string;
    if (v === null || v === undefined) out = 'null';
    else if (typeof v === 'object') {
      const o = v as { id?: number; pid?: number; tid?: number };
      out = o.id !== undefined ? String(o.id) : `"${o.pid}.${o.tid}"`;
    } else out = JSON.stringify(v);
    s += `,"${k}":${out}`;
  }
  return `${s}}`;
}
