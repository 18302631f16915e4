import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ContainerModule } from 'inversify';
import type { MachineSpec, SourcePos } from './MachineSpec.ts';
import type { Catalog, PluginDescriptor } from './Catalog.ts';
import { PLUGIN_API_VERSION, type VmlabPlugin } from './Plugin.ts';

/** Raised for a plugin that cannot be loaded; composeMachine turns it into a MachineError. */
export class PluginLoadError extends Error {
  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(message);
  }
}

/** Whether a `plugins:` item or an `arch:` value names a file rather than a built-in. */
export function isPluginPath(s: string): boolean {
  return s.startsWith('./') || s.startsWith('../') || isAbsolute(s) || /\.(?:[cm]?[jt]s)$/.test(s);
}

/** Plugins loaded from files, per catalog, by absolute path. */
const loadedFiles = new WeakMap<Catalog, Map<string, VmlabPlugin>>();

function filesOf(catalog: Catalog): Map<string, VmlabPlugin> {
  let m = loadedFiles.get(catalog);
  if (m === undefined) {
    m = new Map();
    loadedFiles.set(catalog, m);
  }
  return m;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Checks a module's export is a plugin this core can load; throws what is wrong. */
export function checkPlugin(exp: unknown, label: string, pos?: SourcePos): VmlabPlugin {
  if (typeof exp !== 'object' || exp === null) {
    throw new PluginLoadError(`${label} has no plugin export: export default { name, apiVersion, module } (or a named export 'plugin')`, pos);
  }
  const p = exp as Partial<VmlabPlugin>;
  if (typeof p.name !== 'string' || p.name === '') throw new PluginLoadError(`${label}: the plugin has no 'name'`, pos);
  const who = `plugin '${p.name}' (${label})`;
  if (p.apiVersion === undefined) throw new PluginLoadError(`${who} has no 'apiVersion'; this vmlab provides plugin API version ${PLUGIN_API_VERSION}`, pos);
  if (p.apiVersion !== PLUGIN_API_VERSION) {
    throw new PluginLoadError(`${who} targets plugin API version ${String(p.apiVersion)}; this vmlab provides version ${PLUGIN_API_VERSION}`, pos);
  }
  if (typeof p.module !== 'object' || p.module === null || typeof (p.module as { load?: unknown }).load !== 'function') {
    throw new PluginLoadError(`${who} has no 'module' (an inversify ContainerModule, as exported by @vmlab/core)`, pos);
  }
  if (p.arch !== undefined && (typeof p.arch.name !== 'string' || typeof p.arch.features !== 'object' || p.arch.features === null)) {
    throw new PluginLoadError(`${who}: 'arch' needs a name and features ({} when none)`, pos);
  }
  return p as VmlabPlugin;
}

class PluginTimeout extends Error {}

/** How long importing a plugin file may take (VMLAB_PLUGIN_TIMEOUT_MS, default 10 s). */
export function pluginLoadTimeoutMs(): number {
  const v = Number(process.env.VMLAB_PLUGIN_TIMEOUT_MS);
  return Number.isInteger(v) && v > 0 ? v : 10_000;
}

/**
 * A `.ts`/`.js` plugin is an ES module only under a package.json with `"type": "module"`;
 * elsewhere Node treats it as CommonJS and its `export default` is not the plugin the
 * loader checks (it was loaded and never called). `.mts`/`.mjs` are modules anywhere.
 */
export function moduleTypeProblem(file: string): string | undefined {
  if (!/\.[jt]s$/.test(file)) return undefined;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pj = resolve(dir, 'package.json');
    if (existsSync(pj)) {
      let type: unknown;
      try {
        type = (JSON.parse(readFileSync(pj, 'utf8')) as { type?: unknown }).type;
      } catch {
        return `${pj} is not valid JSON`;
      }
      if (type === 'module') return undefined;
      return `${file} is an ES module plugin but ${pj} has no "type": "module" (Node would load it as CommonJS); add "type": "module" there or name the file .m${file.slice(-2)}`;
    }
    if (dirname(dir) === dir)
      return `${file} is an ES module plugin but no package.json with "type": "module" is above it; add one or name the file .m${file.slice(-2)}`;
  }
}

/** Runs one hook of a plugin, naming the plugin and the hook if it throws. */
export function runHook<T>(p: { name: string }, hook: string, pos: SourcePos | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new PluginLoadError(`plugin '${p.name}' threw in ${hook}: ${message(e)}`, pos);
  }
}

/**
 * Imports a plugin file (once per catalog), checks its export, registers its policies and
 * calls onLoad. `file` is absolute.
 */
export async function loadPluginFile(file: string, catalog: Catalog, label: string, pos?: SourcePos): Promise<VmlabPlugin> {
  const cache = filesOf(catalog);
  const hit = cache.get(file);
  if (hit !== undefined) return hit;
  if (!existsSync(file)) throw new PluginLoadError(`plugin ${label}: no such file ${file}`, pos);
  const notModule = moduleTypeProblem(file);
  if (notModule !== undefined) throw new PluginLoadError(`plugin ${label}: ${notModule}`, pos);
  let mod: Record<string, unknown>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ms = pluginLoadTimeoutMs();
  try {
    mod = (await Promise.race([
      import(pathToFileURL(file).href),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new PluginTimeout()), ms);
      }),
    ])) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof PluginTimeout) {
      throw new PluginLoadError(
        `plugin ${label} did not finish loading within ${ms / 1000} s (a top-level await that never settles?); VMLAB_PLUGIN_TIMEOUT_MS sets the limit`,
        pos,
      );
    }
    throw new PluginLoadError(`plugin ${label} threw while loading (import): ${message(e)}`, pos);
  } finally {
    clearTimeout(timer);
  }
  const p = checkPlugin(mod.default ?? mod.plugin, label, pos);
  runHook(p, 'policies', pos, () => {
    for (const d of p.policies?.definitions ?? []) catalog.policies.define(d);
    for (const b of p.policies?.bindings ?? []) catalog.policies.bind(b);
  });
  if (p.onLoad !== undefined) runHook(p, 'onLoad', pos, () => p.onLoad!(catalog));
  if (p.arch !== undefined) {
    catalog.arches.set(file, {
      name: p.arch.name,
      description: p.arch.description ?? p.description ?? p.arch.name,
      module: p.module,
      features: p.arch.features,
    });
  }
  cache.set(file, p);
  return p;
}

/** The file plugin that provides the arch a resolved spec names, if any. */
export function archPlugin(catalog: Catalog, arch: string): VmlabPlugin | undefined {
  return filesOf(catalog).get(arch);
}

function baseDir(pos: SourcePos | undefined): string {
  if (pos === undefined || pos.file.startsWith('<')) return process.cwd();
  return dirname(resolve(pos.file));
}

/**
 * Loads the plugins a machine names by path (its `arch:` and `plugins:` items) into the
 * catalog and returns the spec with those paths made absolute (relative paths are taken
 * from the directory of the file that wrote them). Built-in names are left as they are.
 */
export async function loadMachinePlugins(spec: MachineSpec, catalog: Catalog): Promise<MachineSpec> {
  const pos = spec.positions ?? {};
  let arch = spec.arch;
  if (isPluginPath(arch) && !catalog.arches.has(arch)) {
    const file = resolve(baseDir(pos.arch), arch);
    const p = await loadPluginFile(file, catalog, arch, pos.arch);
    if (p.arch === undefined) {
      throw new PluginLoadError(`arch: plugin '${p.name}' (${arch}) does not provide a pmap (it has no 'arch' descriptor binding a PmapFactory)`, pos.arch);
    }
    arch = file;
  }
  const plugins: string[] = [];
  for (let i = 0; i < spec.plugins.length; i++) {
    const name = spec.plugins[i]!;
    if (!isPluginPath(name) || filesOf(catalog).has(name)) {
      plugins.push(name);
      continue;
    }
    const at = pos[`plugins.${i}`];
    const file = resolve(baseDir(at), name);
    const p = await loadPluginFile(file, catalog, name, at);
    if (p.arch !== undefined) throw new PluginLoadError(`plugin '${p.name}' (${name}) provides a pmap: name it in arch:, not in plugins:`, at);
    plugins.push(file);
  }
  return arch === spec.arch && plugins.every((x, i) => x === spec.plugins[i]) ? spec : { ...spec, arch, plugins };
}

/** A `plugins:` item resolved for one machine: the plugin, or null when it does not apply. */
export function resolvePlugin(name: string, spec: MachineSpec, catalog: Catalog, pos?: SourcePos): VmlabPlugin | PluginDescriptor | null {
  const p = filesOf(catalog).get(name) ?? catalog.plugins.get(name);
  if (p === undefined) {
    throw new PluginLoadError(
      `unknown plugin '${name}'; built-in plugins: ${[...catalog.plugins.keys()].join(', ') || 'none'} (or a path to a plugin module, ./my-plugin.ts)`,
      pos,
    );
  }
  if (p.apply !== undefined && !runHook(p, 'apply', pos, () => p.apply!(spec))) return null;
  return p;
}

/** Resolves a `plugins:` item (a built-in name) to its module, or null when it does not apply. */
export async function loadPluginModule(name: string, spec: MachineSpec, catalog: Catalog, pos?: SourcePos): Promise<ContainerModule | null> {
  return resolvePlugin(name, spec, catalog, pos)?.module ?? null;
}
