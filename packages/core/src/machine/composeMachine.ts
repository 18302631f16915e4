import { didYouMean } from '../util/didYouMean.ts';
import 'reflect-metadata';
import { Container } from 'inversify';
import { PmapFactory } from '../pmap/Pmap.ts';
import { type FileSpec, MAX_CPUS, type MachineSpec, type SourcePos } from './MachineSpec.ts';
import type { Catalog } from './Catalog.ts';
import { Kernel } from '../sys/Kernel.ts';
import { coreModule } from './coreModule.ts';
import { Machine } from './Machine.ts';
import { EventSubscriber } from './tokens.ts';
import { PluginLoadError, archPlugin, loadMachinePlugins, resolvePlugin, runHook } from './loadPlugin.ts';
import { InvariantContribution } from '../invariants/Invariant.ts';
import type { VmlabPlugin } from './Plugin.ts';

/** A machine configuration that cannot be built; names where it was written when known. */
export class MachineError extends Error {
  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(pos !== undefined ? `${pos.file}:${pos.line}:${pos.col}: ${message}` : message);
  }
}


/** Resolves a machine's policies and features against the catalog (every key filled in). */
export function resolveSpec(spec: MachineSpec, catalog: Catalog): MachineSpec {
  const pos = spec.positions ?? {};
  const arch = catalog.arches.get(spec.arch);
  if (arch === undefined) {
    throw new MachineError(`unknown arch '${spec.arch}'; known: ${[...catalog.arches.keys()].join(', ')}${didYouMean(spec.arch, catalog.arches.keys())}`, pos.arch);
  }
  const policies: Record<string, string> = {};
  for (const d of catalog.policies.all()) policies[d.key] = catalog.policies.defaultOf(d.key, spec.abi);
  for (const [key, value] of Object.entries(spec.policies)) {
    const d = catalog.policies.get(key);
    const p = pos[`policies.${key}`];
    if (d === undefined) {
      throw new MachineError(`unknown policy '${key}'${didYouMean(key, catalog.policies.all().map((x) => x.key))}; 'vmlab policies' lists them`, p);
    }
    const ok = d.values.includes(value) || (d.accepts?.(value) ?? false);
    if (!ok) throw new MachineError(`policy ${key} has no value '${value}'; values: ${d.values.join(', ')}`, p);
    policies[key] = value;
  }
  const features: Record<string, boolean> = { ...arch.features };
  for (const [f, v] of Object.entries(spec.features)) {
    if (!(f in arch.features)) {
      throw new MachineError(`arch ${spec.arch} has no feature '${f}'; features: ${Object.keys(arch.features).join(', ') || 'none'}`, pos[`features.${f}`]);
    }
    features[f] = v;
  }
  if (spec.cpus < 1 || spec.cpus > MAX_CPUS) throw new MachineError(`cpus must be between 1 and ${MAX_CPUS}, got ${spec.cpus}`, pos.cpus);
  return { ...spec, policies, features };
}

/**
 * Builds a machine: an inversify container with core's bindings, the arch's module, the
 * base modules (the swap pager), the module of every non-default policy value, and the
 * plugins, in that order; then the kernel, the event subscribers and the files.
 */
export async function composeMachine(spec: MachineSpec, catalog: Catalog, files: readonly FileSpec[] = [], name?: string): Promise<Machine> {
  try {
    return await compose(await loadMachinePlugins(spec, catalog), catalog, files, name);
  } catch (e) {
    if (e instanceof PluginLoadError) throw new MachineError(e.message, e.pos);
    throw e;
  }
}

async function compose(spec: MachineSpec, catalog: Catalog, files: readonly FileSpec[], name?: string): Promise<Machine> {
  const r = resolveSpec(spec, catalog);
  const arch = catalog.arches.get(r.arch)!;
  const c = new Container({ defaultScope: 'Singleton' });
  c.load(coreModule(r));
  c.load(arch.module);
  for (const b of catalog.baseModules) if (b.apply === undefined || b.apply(r)) c.load(b.module);
  for (const [key, value] of Object.entries(r.policies)) {
    // The owning package binds the first value; any other value's module rebinds.
    const base = catalog.policies.get(key)!.values[0];
    if (value === base) continue;
    const binding = catalog.policies.binding(key, value);
    if (binding !== undefined) c.load(binding.module);
    else if (catalog.policies.get(key)!.accepts?.(value) === true) {
      // A parameter (a numeric key such as swap.cluster): the owning package reads the value.
    } else {
      throw new MachineError(`policy ${key}: value '${value}' has no implementation loaded`, spec.positions?.[`policies.${key}`]);
    }
  }
  // Plugins (VmlabPlugin, Plugin.ts): module, then invariants; onMachine once composed.
  const withHooks: { p: VmlabPlugin; pos: SourcePos | undefined }[] = [];
  const ap = archPlugin(catalog, r.arch);
  if (ap !== undefined) withHooks.push({ p: ap, pos: spec.positions?.arch });
  for (let i = 0; i < r.plugins.length; i++) {
    const pos = spec.positions?.[`plugins.${i}`];
    const p = resolvePlugin(r.plugins[i]!, r, catalog, pos);
    if (p === null) continue;
    c.load(p.module);
    withHooks.push({ p: p as VmlabPlugin, pos });
  }
  for (const { p } of withHooks) for (const inv of p.invariants ?? []) c.bind(InvariantContribution).toConstantValue(inv);
  if (ap !== undefined && !c.isBound(PmapFactory)) {
    throw new MachineError(`arch: plugin '${ap.name}' declares arch ${ap.arch!.name} but its module binds no PmapFactory`, spec.positions?.arch);
  }
  let kernel: Kernel;
  try {
    kernel = c.get(Kernel);
  } catch (e) {
    throw new MachineError(`machine ${name ?? r.arch} cannot be composed: ${(e as Error).message}`);
  }
  const subs = c.isBound(EventSubscriber) ? c.getAll<EventSubscriber>(EventSubscriber) : [];
  for (const s of subs) s.subscribe(kernel.bus);
  for (const f of files) kernel.addFile(f.path, f.size, f.fill);
  const machine = new Machine(name ?? r.name ?? ap?.arch?.name ?? r.arch, r, c, kernel);
  for (const { p, pos } of withHooks) if (p.onMachine !== undefined) runHook(p, 'onMachine', pos, () => p.onMachine!(machine));
  return machine;
}
