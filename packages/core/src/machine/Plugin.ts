import type { ContainerModule } from 'inversify';
import type { Invariant } from '../invariants/Invariant.ts';
import type { PolicyBinding, PolicyDefinition } from '../policy/PolicyDefinition.ts';
import type { MachineSpec } from './MachineSpec.ts';
import type { Catalog } from './Catalog.ts';
import type { Machine } from './Machine.ts';

/**
 * The version of the plugin API this core provides. A plugin states the version it was
 * written against in `apiVersion`; loading refuses any other (the contract is the set of
 * names `@vmlab/core` exports, listed in docs/writing-a-pmap.md).
 */
export const PLUGIN_API_VERSION = 1;

/** What a plugin that provides a pmap says about its architecture. */
export interface PluginArch {
  /** The architecture's name (`riscv64`); the PmapFactory it binds reports the same. */
  readonly name: string;
  readonly description?: string;
  /** CPU features and their defaults (`{}` for an arch without optional features). */
  readonly features: Readonly<Record<string, boolean>>;
}

/**
 * A vmlab plugin: a module (default export, or a named export `plugin`) that a machine
 * loads by name (built-in, from the catalog) or by path (`plugins: [./my-plugin.ts]`, or
 * `arch: ./my-pmap/index.ts` for one that provides a pmap).
 *
 * Everything is optional but `name`, `apiVersion` and `module`. What happens, in order:
 *
 * 1. **import** — the file is imported once per catalog (cached by absolute path); its
 *    export is checked (`name`, `apiVersion === PLUGIN_API_VERSION`, `module`).
 * 2. **`policies`** — definitions, then bindings, are added to the catalog's policy
 *    registry, so a machine file may name the plugin's keys and values.
 * 3. **`onLoad(catalog)`** — once per catalog, after the policies; may add presets or more
 *    policy values.
 * 4. per machine: **`apply(spec)`** — with the resolved spec (every policy filled in);
 *    false leaves the plugin out of this machine (never asked of the arch plugin).
 * 5. per machine: **`module`** is loaded into the container — an arch plugin's in the
 *    arch's place (right after core's bindings, so it binds `PmapFactory`, `ArchOps`,
 *    its `EventSubscriber`s), any other plugin's last (after the policy modules, so it may
 *    rebind); then each of **`invariants`** is bound as an `InvariantContribution`.
 * 6. per machine: **`onMachine(machine)`** — after the kernel exists, every subscriber
 *    has subscribed and the scenario's files are created, before the first step.
 *
 * A plugin that throws in any of these is reported with its name and the hook, as a
 * machine error at the `plugins:` item (or `arch:`) that named it: `vmlab` exits 2.
 * A plugin that only observes (subscribers, counters) cannot change the machine.
 */
export interface VmlabPlugin {
  readonly name: string;
  /** The plugin API version the plugin targets (PLUGIN_API_VERSION when it was written). */
  readonly apiVersion: number;
  readonly description?: string;
  /** The bindings: PmapFactory/ArchOps/subscribers for a pmap plugin, or rebinds. */
  readonly module: ContainerModule;
  /** Present when the plugin provides a pmap: it may then be named by `arch:`. */
  readonly arch?: PluginArch;
  /** Policy keys it defines and modules for (new) values of any key. */
  readonly policies?: { readonly definitions?: readonly PolicyDefinition[]; readonly bindings?: readonly PolicyBinding[] };
  /** Named invariants checked after every step on machines that load the plugin. */
  readonly invariants?: readonly Invariant[];
  /** Loaded only on machines for which this holds (e.g. amd64 only). */
  apply?(spec: MachineSpec): boolean;
  /** Once per catalog, after the plugin's policies are registered. */
  onLoad?(catalog: Catalog): void;
  /** Once per machine, after composition, before the first step. */
  onMachine?(machine: Machine): void;
}
