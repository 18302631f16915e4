import { fmt } from '../report/formatRun.ts';
import type { StateSnapshot } from './stateSnapshot.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** A state snapshot as text (procstat -v per process, then the objects and their chains). */
export function formatState(state: StateSnapshot): string[] {
  const out: string[] = [];
  for (const p of state.processes) {
    out.push(`  pid ${p.pid} ${p.state}, threads [${p.threads.join(', ')}], vmspace refs ${p.vmspace_refs}, rss ${p.rss}`);
    for (const e of p.entries) {
      out.push(
        `    ${fmt(e.start, 'start')}-${fmt(e.end, 'end')} prot ${e.prot}/${e.maxprot} ${e.shared ? 'shared' : 'private'} inherit ${e.inherit}` +
          ` object ${e.object ?? 'none'}${e.object !== null ? ` offset ${e.offset}` : ''}${e.wired > 0 ? ` wired ${e.wired}` : ''}` +
          `${e.needs_copy === true ? ' needs_copy' : ''}${e.cow === true ? ' cow' : ''}${e.revoked === true ? ' revoked' : ''}${e.md_flags !== undefined ? ` md ${hex(e.md_flags)}` : ''}`,
      );
    }
    for (const [name, ranges] of Object.entries(p.md?.ranges ?? {})) {
      for (const r of ranges) {
        const { start, end, ...vals } = r;
        out.push(`    ${name} ${hex(start)}-${hex(end)}${Object.keys(vals).length > 0 ? ` ${fmt(vals)}` : ''}`);
      }
    }
    for (const [tid, regs] of Object.entries(p.md?.threads ?? {})) {
      out.push(
        `    thread ${tid}: ${Object.entries(regs)
          .map(([k, v]) => `${k} ${typeof v === 'number' ? hex(v) : fmt(v)}`)
          .join(', ')}`,
      );
    }
  }
  for (const o of state.objects) {
    out.push(
      `  object ${o.id} ${o.type} size ${o.size} refs ${o.refs}${o.flags.length > 0 ? ` [${o.flags.join(',')}]` : ''}` +
        `${o.backing !== null ? ` backing ${o.backing} at ${o.backing_offset}` : ''} resident ${o.resident} swapped ${o.swapped}`,
    );
  }
  if (state.tlb !== undefined) {
    for (const t of state.tlb)
      out.push(
        `  tlb cpu ${t.cpu}: pmap ${t.pmap} ${hex(t.va)} -> frame ${t.frame}${t.writable ? ' writable' : ''}${t.pending === true ? ' (invalidation queued)' : ''}`,
      );
  }
  out.push(`  free pages ${state.free_pages}, swap used ${state.swap_used}`);
  out.push(`  counters ${fmt(state.counters)}`);
  out.push(`  events ${fmt(state.events)}`);
  return out;
}
