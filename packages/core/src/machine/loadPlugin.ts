import type { ContainerModule } from 'inversify';
import type { MachineSpec, SourcePos } from '../scenario/ast.ts';
import type { Catalog } from './Catalog.ts';

/** Resolves a `plugins:` item (a built-in name) to its module, or null when it does not apply. */
export async function loadPluginModule(name: string, spec: MachineSpec, catalog: Catalog, pos?: SourcePos): Promise<ContainerModule | null> {
  const p = catalog.plugins.get(name);
  if (p === undefined) {
    const { MachineError } = await import('./composeMachine.ts');
    throw new MachineError(`unknown plugin '${name}'; built-in plugins: ${[...catalog.plugins.keys()].join(', ') || 'none'}`, pos);
  }
  if (p.apply !== undefined && !p.apply(spec)) return null;
  return p.module;
}
