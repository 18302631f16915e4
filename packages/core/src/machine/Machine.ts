import type { Container } from 'inversify';
import type { EventBus } from '../events/EventBus.ts';
import type { MachineSpec } from './MachineSpec.ts';
import type { Counters } from '../vm/Counters.ts';
import type { Kernel } from '../sys/Kernel.ts';

/** A composed machine: its resolved configuration, container and kernel. */
export class Machine {
  constructor(
    /** The name reports use (the preset's, or an inline machine's `name`). */
    readonly name: string,
    /** The resolved configuration: every policy key present. */
    readonly spec: MachineSpec,
    readonly container: Container,
    readonly kernel: Kernel,
  ) {}

  get bus(): EventBus {
    return this.kernel.bus;
  }

  get counters(): Counters {
    return this.kernel.counters;
  }
}
