import { didYouMean } from '../util/didYouMean.ts';
import 'reflect-metadata';
import { Container } from 'inversify';
import { PmapFactory } from '../pmap/Pmap.ts';
import { PmapContextToken } from '../pmap/PmapContextToken.ts';
import { type FileSpec, MAX_CPUS, MAX_PHYSMEM, MAX_SWAP, type MachineSpec, type SourcePos } from './MachineSpec.ts';
import type { Catalog } from './Catalog.ts';
import { Kernel } from '../sys/Kernel.ts';
import { coreModule } from './coreModule.ts';
import { Machine } from './Machine.ts';
import { EventSubscriber } from '../events/EventSubscriber.ts';
import { PluginLoadError, archPlugin, loadMachinePlugins, resolvePlugin, runHook } from './loadPlugin.ts';
import { type Invariant, InvariantContribution } from '../invariants/Invariant.ts';
import { CORE_INVARIANTS } from '../invariants/coreInvariants.ts';
import { checkInvariant, guardedInvariant } from './pluginInvariants.ts';
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
export function resolveSpec(given: MachineSpec, catalog: Catalog): MachineSpec {
  // A hand-written or older log's spec may lack the maps and lists: they default to empty.
  const spec: MachineSpec = {
    ...given,
    policies: given.policies ?? {},
    features: given.features ?? {},
    plugins: given.plugins ?? [],
    faults: given.faults ?? {},
  };
  const pos = spec.positions ?? {};
  const arch = catalog.arches.get(spec.arch);
  if (arch === undefined) {
    throw new MachineError(
      `unknown arch '${spec.arch}'; known: ${[...catalog.arches.keys()].join(', ')}${didYouMean(spec.arch, catalog.arches.keys())}`,
      pos.arch,
    );
  }
  const policies: Record<string, string> = {};
  for (const d of catalog.policies.all()) policies[d.key] = catalog.policies.defaultOf(d.key, spec.abi);
  for (const [key, value] of Object.entries(spec.policies)) {
    const d = catalog.policies.get(key);
    const p = pos[`policies.${key}`];
    if (d === undefined) {
      throw new MachineError(
        `unknown policy '${key}'${didYouMean(
          key,
          catalog.policies.all().map((x) => x.key),
        )}; 'vmlab policies' lists them`,
        p,
      );
    }
    const ok = d.values.includes(value) || (d.accepts?.(value) ?? false);
    if (!ok) throw new MachineError(`policy ${key} has no value '${value}'; values: ${d.values.join(', ')}`, p);
    policies[key] = value;
  }
  for (const f of Object.keys(spec.faults)) {
    if (!catalog.faultPoints.has(f)) {
      throw new MachineError(
        `unknown fault point '${f}'${didYouMean(f, catalog.faultPoints)}; fault points: ${[...catalog.faultPoints].join(', ') || 'none'}`,
        pos[`faults.${f}`],
      );
    }
  }
  const features: Record<string, boolean> = { ...arch.features };
  for (const [f, v] of Object.entries(spec.features)) {
    if (!(f in arch.features)) {
      throw new MachineError(`arch ${spec.arch} has no feature '${f}'; features: ${Object.keys(arch.features).join(', ') || 'none'}`, pos[`features.${f}`]);
    }
    features[f] = v;
  }
  if (!Number.isInteger(spec.cpus) || spec.cpus < 1 || spec.cpus > MAX_CPUS)
    throw new MachineError(`cpus must be a whole number between 1 and ${MAX_CPUS}, got ${String(spec.cpus)}`, pos.cpus);
  const page = 4096;
  if (!Number.isSafeInteger(spec.physmem) || spec.physmem < page || spec.physmem > MAX_PHYSMEM) {
    throw new MachineError(`physmem must be between 1 page and ${MAX_PHYSMEM / 2 ** 30} GiB (the limit), got ${String(spec.physmem)}`, pos.physmem);
  }
  if (!Number.isSafeInteger(spec.swap) || spec.swap < 0 || spec.swap > MAX_SWAP) {
    throw new MachineError(`swap must be between 0 and ${MAX_SWAP / 2 ** 30} GiB (the limit), got ${String(spec.swap)}`, pos.swap);
  }
  for (const k of ['policies', 'features', 'plugins', 'faults'] as const) {
    const v = (spec as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null || (k === 'plugins') !== Array.isArray(v))
      throw new MachineError(`machine '${k}' must be ${k === 'plugins' ? 'a list' : 'a map'}`);
  }
  return { ...spec, policies, features };
}

/**
 * Builds a machine: an inversify container with core's bindings, the arch's module, the
 * base modules (the swap pager), the module of every non-default policy value, and the
 * plugins, in that order; then the kernel, the event subscribers and the files.
 */
export async function composeMachine(spec: MachineSpec, catalog: Catalog, files: readonly FileSpec[] = [], name?: string): Promise<Machine> {
  let machine: Machine;
  try {
    machine = await compose(await loadMachinePlugins(spec, catalog), catalog, files, name);
  } catch (e) {
    if (e instanceof PluginLoadError) throw new MachineError(e.message, e.pos);
    throw e;
  }
  await endCompositionJob();
  return machine;
}

/**
 * Why a composed machine waits for one turn of the event loop before it is handed out.
 *
 * inversify 8 plans a resolution with `new WeakRef(node)` for every instance binding node
 * (its activation subscribers and its resolver-change handlers). ECMAScript keeps the target
 * of every WeakRef created during a job alive until that job ends (AddToKeptObjects /
 * ClearKeptObjects), and Node ends the job only when the microtask queue drains, i.e. when
 * control returns to the event loop. A loop of `await`ed runs (explore, fuzz, replay N)
 * never returns there, so each machine's binding nodes stayed pinned, and through
 * `binding.cache` its kernel, page arrays and objects: 1.2-1.4 MB per run, for good.
 * Every resolution plan is built here, during composition (the later `container.get`s hit
 * the plan cache), so ending this job once releases the pins: a machine that is done is
 * garbage. tests/hostile/memory.spec.ts runs thousands of schedules under a heap limit.
 */
function endCompositionJob(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

async function compose(spec: MachineSpec, catalog: Catalog, files: readonly FileSpec[], name?: string): Promise<Machine> {
  const r = resolveSpec(spec, catalog);
  const arch = catalog.arches.get(r.arch)!;
  const ap = archPlugin(catalog, r.arch);
  const c = new Container({ defaultScope: 'Singleton' });
  c.load(coreModule(r));
  if (ap !== undefined) runHook(ap, 'module', spec.positions?.arch, () => c.load(arch.module));
  else c.load(arch.module);
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
  if (ap !== undefined) withHooks.push({ p: ap, pos: spec.positions?.arch });
  for (let i = 0; i < r.plugins.length; i++) {
    const pos = spec.positions?.[`plugins.${i}`];
    const p = resolvePlugin(r.plugins[i]!, r, catalog, pos);
    if (p === null) continue;
    runHook(p, 'module', pos, () => c.load(p.module));
    withHooks.push({ p: p as VmlabPlugin, pos });
  }
  const names = new Set(CORE_INVARIANTS.map((i) => i.name));
  if (c.isBound(InvariantContribution)) for (const i of c.getAll<Invariant>(InvariantContribution)) names.add(i.name);
  for (const { p, pos } of withHooks) {
    for (const inv of p.invariants ?? []) {
      checkInvariant(p, inv, names, pos);
      names.add(inv.name);
      c.bind(InvariantContribution).toConstantValue(guardedInvariant(p.name, inv, pos));
    }
  }
  if (ap !== undefined && !c.isBound(PmapFactory)) {
    throw new MachineError(`arch: plugin '${ap.name}' declares arch ${ap.arch!.name} but its module binds no PmapFactory`, spec.positions?.arch);
  }
  let kernel: Kernel;
  try {
    kernel = c.get(Kernel);
  } catch (e) {
    throw new MachineError(`machine ${name ?? r.arch} cannot be composed: ${(e as Error).message}`);
  }
  // Plan the later lookups now, inside the composition job (see endCompositionJob).
  if (c.isBound(PmapContextToken)) c.get(PmapContextToken);
  const subs = c.isBound(EventSubscriber) ? c.getAll<EventSubscriber>(EventSubscriber) : [];
  for (const s of subs) s.subscribe(kernel.bus);
  for (const f of files) kernel.addFile(f.path, f.size, f.fill);
  const machine = new Machine(name ?? r.name ?? ap?.arch?.name ?? r.arch, r, c, kernel);
  for (const { p, pos } of withHooks) if (p.onMachine !== undefined) runHook(p, 'onMachine', pos, () => p.onMachine!(machine));
  return machine;
}
