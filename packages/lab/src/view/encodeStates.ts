/**
 * The viewer's compact form of many state snapshots: every piece (an entry list, a chunk
 * of PTEs, an object, a process) is stored once as JSON text in a table and named by its
 * index; a snapshot is a handful of indices, so a command that changes one page costs one
 * chunk, not a copy of the address space. Counters are stored as changes from the previous
 * command, with a full copy every COUNTER_KEYFRAME commands.
 */
import type { ObjectState, ProcessState, StateSnapshot } from './stateSnapshot.ts';

/** Pages per chunk of a PTE or page list (chunked by address / pindex, so one change touches one chunk). */
export const CHUNK_PAGES = 32;
export const COUNTER_KEYFRAME = 256;

/** One state, as indices into the table: processes, objects, free pages, swap used, counters. */
export interface EncodedState {
  p: number[];
  o: number[];
  f: number;
  s: number;
  /** The counters (a full copy on a keyframe, else the changed values). */
  c: number;
  /** The TLB entries (absent without a TLB model). */
  t?: number;
  /** This state's counters are a full copy. */
  k?: 1;
}

export class StateTable {
  readonly table: string[] = [];
  private readonly ids = new Map<string, number>();
  private prevCounters: Record<string, number> = {};
  private n = 0;

  /** The index of a value's JSON text (added once). */
  ref(v: unknown): number {
    const s = JSON.stringify(v);
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.table.length;
      this.table.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  /** Encodes a snapshot but its counters (`counters` adds them, in command order). */
  encode(st: StateSnapshot): Omit<EncodedState, 'c'> {
    return {
      p: st.processes.map((p) => this.ref(this.process(p))),
      o: st.objects.map((o) => this.ref(this.object(o))),
      f: st.free_pages,
      s: st.swap_used,
      ...(st.tlb !== undefined ? { t: this.ref(st.tlb) } : {}),
    };
  }

  /** Adds the counters of consecutive states: a full copy every COUNTER_KEYFRAME, else the changes. */
  counters(st: Omit<EncodedState, 'c'>, counters: Record<string, number>): EncodedState {
    const keyframe = this.n++ % COUNTER_KEYFRAME === 0;
    let c: Record<string, number>;
    if (keyframe) c = counters;
    else {
      c = {};
      for (const [k, v] of Object.entries(counters)) if (this.prevCounters[k] !== v) c[k] = v;
      for (const k of Object.keys(this.prevCounters)) if (!(k in counters)) c[k] = 0;
    }
    this.prevCounters = counters;
    return { ...st, c: this.ref(c), ...(keyframe ? { k: 1 as const } : {}) };
  }

  private process(p: ProcessState): unknown {
    const { entries, ptes, md, ...rest } = p;
    return {
      ...rest,
      entries: this.ref(entries),
      ptes: this.chunks(ptes, (x) => Math.floor(x.va / 4096 / CHUNK_PAGES)),
      md: md === undefined ? -1 : this.ref(md),
    };
  }

  private object(o: ObjectState): unknown {
    const { pages, swap, ...rest } = o;
    return { ...rest, pages: this.chunks(pages, (x) => Math.floor(x.pindex / CHUNK_PAGES)), swap: this.ref(swap) };
  }

  /** A sorted list split where its key changes, each chunk stored once. */
  private chunks<T>(list: readonly T[], key: (x: T) => number): number[] {
    const out: number[] = [];
    let cur: T[] = [];
    let k = Number.NaN;
    for (const x of list) {
      const kx = key(x);
      if (kx !== k && cur.length > 0) {
        out.push(this.ref(cur));
        cur = [];
      }
      k = kx;
      cur.push(x);
    }
    if (cur.length > 0) out.push(this.ref(cur));
    return out;
  }
}
