import type { ContainerModule } from 'inversify';
import { MACHINE_DEFAULTS, type MachineSpec } from './MachineSpec.ts';
import { PolicyRegistry } from '../policy/PolicyDefinition.ts';
import { CORE_POLICIES } from '../policy/corePolicies.ts';
import { CORE_POLICY_BINDINGS } from './coreModule.ts';

/** An architecture: the module that binds its PmapFactory, ArchOps and MD subscribers. */
export interface ArchDescriptor {
  readonly name: string;
  readonly description: string;
  readonly module: ContainerModule;
  /** CPU features and their defaults (pku, bti). */
  readonly features: Readonly<Record<string, boolean>>;
}

/** A plugin (a module by name): adds subscribers or rebinds policies. */
export interface PluginDescriptor {
  readonly name: string;
  readonly description: string;
  readonly module: ContainerModule;
  /** Loaded only on machines for which this holds (e.g. amd64 only). */
  apply?(spec: MachineSpec): boolean;
}

/**
 * Everything a machine can be built from: arches, the anonymous pager, presets, policy
 * keys and the modules of their values, and plugins. Core knows no MD package: the CLI
 * (or a test) fills the catalog from the packages it imports.
 */
export class Catalog {
  readonly arches = new Map<string, ArchDescriptor>();
  readonly presets = new Map<string, MachineSpec>();
  readonly plugins = new Map<string, PluginDescriptor>();
  readonly policies = new PolicyRegistry();
  /** Modules loaded on every machine after core's (the swap pager). */
  readonly baseModules: { name: string; module: ContainerModule; apply?(spec: MachineSpec): boolean }[] = [];
  /** The fault-injection points a machine's `faults:` may name (each package adds its own). */
  readonly faultPoints = new Set<string>();

  constructor() {
    for (const d of CORE_POLICIES) this.policies.define(d);
    for (const b of CORE_POLICY_BINDINGS) this.policies.bind(b);
  }

  addArch(a: ArchDescriptor): this {
    this.arches.set(a.name, a);
    return this;
  }

  addPreset(name: string, spec: MachineSpec): this {
    this.presets.set(name, spec);
    return this;
  }

  addPlugin(p: PluginDescriptor): this {
    this.plugins.set(p.name, p);
    return this;
  }
}

/** The defaults of a machine that does not say otherwise. */
export function defaultMachine(arch: string, name?: string): MachineSpec {
  return {
    ...(name !== undefined ? { name } : {}),
    arch,
    ...MACHINE_DEFAULTS,
    features: {},
    policies: {},
    plugins: [],
    faults: {},
  };
}
