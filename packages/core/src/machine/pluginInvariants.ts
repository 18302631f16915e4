import type { Invariant, Violation } from '../invariants/Invariant.ts';
import type { Machine } from './Machine.ts';
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
  return {
    name: inv.name,
    description: inv.description,
    check(m: Machine, out: Violation[]): void {
      try {
        inv.check(m, out);
      } catch (e) {
        throw new PluginInvariantError(`plugin '${plugin}' threw in its invariant ${inv.name}: ${e instanceof Error ? e.message : String(e)}`, pos);
      }
    },
  };
}
