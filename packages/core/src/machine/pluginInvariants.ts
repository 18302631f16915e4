import type { Invariant, Violation } from '../invariants/Invariant.ts';
import type { Machine } from './Machine.ts';
import type { Pmap } from '../pmap/Pmap.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { SourcePos } from './MachineSpec.ts';
import { PluginLoadError } from './loadPlugin.ts';

/** A plugin's invariant that threw while checked: reported at the `plugins:` item (exit 2). */
export class PluginInvariantError extends Error {
  constructor(
    message: string,
    readonly pos: SourcePos | undefined,
  ) {
    super(pos !== undefined ? `${pos.file}:${pos.line}:${pos.col}: ${message}` : message);
  }
}

/** Refuses an invariant without a name or check, or one reusing a name already taken. */
export function checkInvariant(p: { name: string }, inv: Invariant, taken: ReadonlySet<string>, pos: SourcePos | undefined): void {
  if (typeof inv !== 'object' || inv === null || typeof inv.name !== 'string' || inv.name === '' || typeof inv.check !== 'function') {
    throw new PluginLoadError(`plugin '${p.name}': each of its invariants needs a name and a check(machine, out) function`, pos);
  }
  if (taken.has(inv.name)) {
    throw new PluginLoadError(`plugin '${p.name}': invariant name '${inv.name}' is already taken (a built-in's or another plugin's); choose another`, pos);
  }
}

/** The invariant, with a throw from its check reported as the plugin contract says. */
export function guardedInvariant(plugin: string, inv: Invariant, pos?: SourcePos): Invariant {
  const guard = (f: () => void): void => {
    try {
      f();
    } catch (e) {
      throw new PluginInvariantError(`plugin '${plugin}' threw in its invariant ${inv.name}: ${e instanceof Error ? e.message : String(e)}`, pos);
    }
  };
  const g: Invariant = {
    name: inv.name,
    description: inv.description,
    check(m: Machine, out: Violation[]): void {
      guard(() => inv.check(m, out));
    },
  };
  // An invariant that opted in to incremental checking keeps its unit checks (Invariant.ts).
  if (typeof inv.checkVmspace === 'function') {
    const f = inv.checkVmspace;
    return { ...g, checkVmspace: (m: Machine, vms: Vmspace, out: Violation[]) => guard(() => f.call(inv, m, vms, out)) };
  }
  if (typeof inv.checkPmap === 'function') {
    const f = inv.checkPmap;
    return { ...g, checkPmap: (m: Machine, pm: Pmap, out: Violation[]) => guard(() => f.call(inv, m, pm, out)) };
  }
  return g;
}
