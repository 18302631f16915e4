import type { ContainerModule } from 'inversify';

/**
 * A policy key (POLICIES.md): its values (the default first), what it means and the rules
 * it models. `defaultFor` gives an ABI-dependent default (exit.teardown under openbsd).
 */
export interface PolicyDefinition {
  readonly key: string;
  readonly values: readonly string[];
  readonly description: string;
  readonly rules: string;
  /** The package that defines it. */
  readonly owner: string;
  defaultFor?(abi: string): string;
  /** Accepts a value outside `values` (numeric keys such as swap.cluster). */
  accepts?(value: string): boolean;
}

/**
 * The module that binds one value of a key. The default value's binding is made by the
 * owning package's module; a module registered here for another value is loaded after the
 * base modules and rebinds what it needs.
 */
export interface PolicyBinding {
  readonly key: string;
  readonly value: string;
  readonly module: ContainerModule;
}

/** Every key and value the machine can be configured with, from all loaded packages. */
export class PolicyRegistry {
  private readonly defs = new Map<string, PolicyDefinition>();
  private readonly bindings = new Map<string, PolicyBinding>();

  define(d: PolicyDefinition): void {
    if (this.defs.has(d.key)) throw new Error(`policy ${d.key} defined twice`);
    this.defs.set(d.key, d);
  }

  /** Registers the module for a (key, value); a plugin may add values to a key. */
  bind(b: PolicyBinding): void {
    const d = this.defs.get(b.key);
    if (d === undefined) throw new Error(`policy binding for unknown key ${b.key}`);
    this.bindings.set(`${b.key}=${b.value}`, b);
    if (!d.values.includes(b.value) && d.accepts === undefined) {
      this.defs.set(b.key, { ...d, values: [...d.values, b.value] });
    }
  }

  get(key: string): PolicyDefinition | undefined {
    return this.defs.get(key);
  }

  binding(key: string, value: string): PolicyBinding | undefined {
    return this.bindings.get(`${key}=${value}`);
  }

  defaultOf(key: string, abi: string): string {
    const d = this.defs.get(key);
    if (d === undefined) throw new Error(`unknown policy ${key}`);
    return d.defaultFor?.(abi) ?? (d.values[0] as string);
  }

  /** All keys, sorted. */
  all(): PolicyDefinition[] {
    return [...this.defs.values()].sort((a, b) => a.key.localeCompare(b.key));
  }
}

/** Token: the resolved policy values of a machine (every key, defaults filled in). */
export const Policies = Symbol('Policies');
export type Policies = Readonly<Record<string, string>>;
