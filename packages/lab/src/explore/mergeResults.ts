/**
 * `vmlab merge`: the shards of a campaign (`explore --json --shard I/N` or `fuzz --json
 * --shard I/N` documents) combined into the document one unsharded run would have printed:
 * counts summed, the first violation kept (explore: of the lowest shard; fuzz: of the
 * lowest run number), complete only when every shard 0..N-1 is there and complete.
 */
import { InputError } from '../scenario/InputError.ts';

/** One shard's document, as parsed from its JSON file. */
export type ShardDoc = Record<string, unknown> & { shard?: string };

export interface MergedDoc {
  kind: 'explore' | 'fuzz';
  /** The shards given, and those of 0..N-1 missing. */
  shards: number;
  missing: number[];
  doc: Record<string, unknown>;
  /** Exit status: explore 0 when as expected, fuzz 0 when clean; 1 otherwise. */
  code: number;
}

const same = (docs: ShardDoc[], keys: string[], what: (d: ShardDoc) => string): void => {
  for (const k of keys) {
    const v = JSON.stringify(docs[0]![k]);
    const odd = docs.find((d) => JSON.stringify(d[k]) !== v);
    if (odd !== undefined) throw new InputError(`merge: ${what(odd)} has ${k} ${JSON.stringify(odd[k])}, the first has ${v}: not shards of one campaign`);
  }
};

function shardOf(d: ShardDoc, label: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(typeof d.shard === 'string' ? d.shard : '0/1');
  if (m === null) throw new InputError(`merge: ${label}: shard ${String(d.shard)} is not I/N`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

type Stats = {
  runs: number;
  points: number;
  pruned: { equivalent: number; cut: number; state?: number; sleep?: number };
  cached: number;
  states?: number;
  ms: number;
  prefixMs: number;
  snapshots?: { taken: number; restored: number };
};
type MachineDoc = {
  machine: string;
  schedules: number;
  complete: boolean;
  maxPreemptions: number;
  maxPoints: number;
  stats?: Stats;
  violation?: { invariant: string; invariants?: string[] };
};

/** Merges the shard documents (labels name them in errors, e.g. their files). */
export function mergeResults(docs: ShardDoc[], labels: string[]): MergedDoc {
  if (docs.length === 0) throw new InputError('merge: give at least one result file');
  const kind = 'strategy' in docs[0]! ? 'explore' : 'ops' in docs[0]! ? 'fuzz' : undefined;
  if (kind === undefined) throw new InputError(`merge: ${labels[0]}: neither an explore --json nor a fuzz --json document`);
  const label = (d: ShardDoc) => labels[docs.indexOf(d)] ?? 'a result';
  const sh = docs.map((d) => shardOf(d, label(d)));
  const count = sh[0]!.count;
  const odd = sh.findIndex((s) => s.count !== count);
  if (odd >= 0) throw new InputError(`merge: ${labels[odd]} is a shard of ${sh[odd]!.count}, the first of ${count}`);
  const seen = new Set<number>();
  sh.forEach((s, i) => {
    if (seen.has(s.index)) throw new InputError(`merge: ${labels[i]}: shard ${s.index}/${count} given twice`);
    seen.add(s.index);
  });
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  const order = docs
    .map((d, i) => ({ d, i: sh[i]!.index }))
    .sort((a, b) => a.i - b.i)
    .map((x) => x.d);

  if (kind === 'fuzz') {
    same(docs, ['machine', 'policies', 'seed'], label);
    const sum = (k: string) => docs.reduce((a, d) => a + Number(d[k] ?? 0), 0);
    const found = order
      .filter((d) => d.violation !== null && d.violation !== undefined)
      .sort((a, b) => (a.violation as { run: number }).run - (b.violation as { run: number }).run)[0];
    const doc = {
      machine: docs[0]!.machine,
      policies: docs[0]!.policies,
      seed: docs[0]!.seed,
      shards: `${docs.length}/${count}`,
      missing,
      ops: sum('ops'),
      runs: sum('runs'),
      schedules: sum('schedules'),
      violation: found?.violation ?? null,
    };
    return { kind, shards: docs.length, missing, doc, code: found !== undefined ? 1 : 0 };
  }

  same(docs, ['file', 'strategy', 'bound', 'seed', 'reduction', 'expected'], label);
  const machines = new Map<string, MachineDoc>();
  for (const d of order) {
    for (const m of d.machines as MachineDoc[]) {
      const cur = machines.get(m.machine);
      if (cur === undefined) {
        machines.set(m.machine, {
          ...m,
          ...(m.stats !== undefined
            ? { stats: { ...m.stats, pruned: { ...m.stats.pruned }, ...(m.stats.snapshots !== undefined ? { snapshots: { ...m.stats.snapshots } } : {}) } }
            : {}),
        });
        continue;
      }
      cur.schedules += m.schedules;
      cur.complete &&= m.complete;
      cur.maxPreemptions = Math.max(cur.maxPreemptions, m.maxPreemptions);
      cur.maxPoints = Math.max(cur.maxPoints, m.maxPoints);
      if (cur.stats !== undefined && m.stats !== undefined) {
        for (const k of ['runs', 'points', 'cached', 'ms', 'prefixMs'] as const) cur.stats[k] += m.stats[k];
        cur.stats.pruned.equivalent += m.stats.pruned.equivalent;
        cur.stats.pruned.cut += m.stats.pruned.cut;
        if (cur.stats.pruned.state !== undefined && m.stats.pruned.state !== undefined) cur.stats.pruned.state += m.stats.pruned.state;
        if (cur.stats.pruned.sleep !== undefined && m.stats.pruned.sleep !== undefined) cur.stats.pruned.sleep += m.stats.pruned.sleep;
        if (cur.stats.states !== undefined && m.stats.states !== undefined) cur.stats.states += m.stats.states;
        if (cur.stats.snapshots !== undefined && m.stats.snapshots !== undefined) {
          cur.stats.snapshots.taken += m.stats.snapshots.taken;
          cur.stats.snapshots.restored += m.stats.snapshots.restored;
        }
      }
      if (cur.violation === undefined && m.violation !== undefined) cur.violation = m.violation;
    }
  }
  const list = [...machines.values()];
  if (missing.length > 0) for (const m of list) m.complete = false;
  const expected = docs[0]!.expected as { expect: string; invariant?: string };
  const found = list.find((m) => m.violation !== undefined);
  const ok =
    expected.expect === 'clean'
      ? found === undefined && missing.length === 0
      : found !== undefined && (expected.invariant === undefined || (found.violation!.invariants ?? [found.violation!.invariant]).includes(expected.invariant));
  const { shard: _s, machines: _m, ok: _o, ...rest } = docs[0]!;
  const doc = { ...rest, shards: `${docs.length}/${count}`, missing, ok, machines: list };
  return { kind, shards: docs.length, missing, doc, code: ok ? 0 : 1 };
}
