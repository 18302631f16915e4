/** `check`: the state queries of SCENARIO.md "State queries", answered from the machine. */
import { EVENT_KINDS, type EventKind, type Kernel, PAGE_SIZE, protToString } from '@vmlab/core';
import type { CheckQuery, Step } from '../scenario/ast.ts';
import { RunError } from './RunReport.ts';
import { resolveAddr } from './stepArgs.ts';

/** A query on a process that does not exist makes the whole check ESRCH. */
const ESRCH = Symbol('ESRCH');

/** Answers each query of a `check` step; `{ errno: 'ESRCH' }` if one names no process. */
export function checkStep(k: Kernel, s: Step): unknown {
  const out: Record<string, unknown> = {};
  for (const q of s.args.queries as CheckQuery[]) {
    const v = query(k, q, s);
    if (v === ESRCH) return { errno: 'ESRCH' };
    out[q.query] = v;
  }
  return out;
}

function query(k: Kernel, q: CheckQuery, s: Step): unknown {
  const a = q.args;
  switch (q.query) {
    case 'swap_used':
      return k.anonPager.used?.() ?? 0;
    case 'free_pages':
      return k.mem.freeCount;
    case 'events': {
      const kind = a.kind as string;
      if (!(EVENT_KINDS as readonly string[]).includes(kind)) throw new RunError(`unknown event kind '${kind}'; kinds: ${EVENT_KINDS.join(', ')}`, q.pos);
      return k.bus.counts[kind as EventKind];
    }
    default:
      break;
  }
  const p = k.proc(a.pid as number);
  if (p === undefined) return ESRCH;
  const vms = p.vmspace;
  const va = a.addr !== undefined ? resolveAddr(p, a.addr, s) : 0;
  switch (q.query) {
    case 'rss':
      return vms.dead ? 0 : vms.pmap.residentCount;
    case 'footprint':
      return k.footprint(p);
    case 'reusable':
      return k.reusableCount(p);
    case 'resident':
      return !vms.dead && vms.pmap.extract(va) >= 0;
    case 'mapped':
      return vms.map.entryAt(va) !== undefined;
    case 'entry': {
      const e = vms.map.entryAt(va);
      if (e === undefined) return 'none';
      return {
        start: e.start,
        end: e.end,
        prot: protToString(e.prot) + k.entryProtExtra(e),
        maxprot: protToString(e.maxprot),
        inherit: e.inherit,
        shared: e.shared,
        wired: e.wiredCount > 0,
        revoked: e.revoked,
      };
    }
    case 'pte': {
      const t = vms.dead ? undefined : vms.pmap.pte(va - (va % PAGE_SIZE));
      return t === undefined ? 'none' : { ...t };
    }
    case 'object': {
      const r = k.objectAt(p, va);
      return r === undefined ? 'none' : { id: r.object.id, depth: r.depth, refs: r.object.refCount };
    }
    case 'vmspace_refs':
      return vms.refs;
    case 'map_entries':
      return vms.map.size;
    case 'pkey':
    case 'guarded':
    case 'pkru':
      return k.mdQuery(p, q.query, { ...a, addr: va });
    default:
      throw new RunError(`unknown query '${q.query}'`, q.pos);
  }
}
