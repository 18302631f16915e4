import { allocatorGenerator } from './allocatorGenerator.ts';
import { debuggerTreeGenerator } from './debuggerTreeGenerator.ts';
import { jitGenerator } from './jitGenerator.ts';
import { preforkGenerator } from './preforkGenerator.ts';
import { GenOut, type TraceGenerator } from './TraceGenerator.ts';
import type { TraceSink } from '../TraceOp.ts';

/** The built-in generators, by name. */
export const GENERATORS: ReadonlyMap<string, TraceGenerator> = new Map(
  [allocatorGenerator, preforkGenerator, jitGenerator, debuggerTreeGenerator].map((g) => [g.name, g]),
);

/** A generator's parameters with the defaults filled in; an unknown name is an error message. */
export function generatorParams(g: TraceGenerator, given: Record<string, number>): Record<string, number> | string {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(g.params)) out[k] = v.default;
  for (const [k, v] of Object.entries(given)) {
    if (!(k in g.params)) return `generator ${g.name} has no parameter '${k}'; it has ${Object.keys(g.params).join(', ')}`;
    if (!Number.isSafeInteger(v) || v < 0) return `generator ${g.name}: ${k} must be a whole number >= 0, got ${v}`;
    out[k] = v;
  }
  return out;
}

/** Run a generator into a sink. Returns the number of operations it emitted. */
export function generate(g: TraceGenerator, params: Record<string, number>, sink: TraceSink): number {
  const out = new GenOut(sink, g.name);
  g.generate(out, params);
  return out.count;
}
