/** DI tokens of the machine that are not named after an interface elsewhere. */
export const MachineConfig = Symbol('MachineConfig');
/** Event subscribers (multi-bound): MD side tables, pagers, observers. */
export const EventSubscriber = Symbol('EventSubscriber');
export interface EventSubscriber {
  readonly name: string;
  /** Subscribes to the bus; called once when the machine boots, in binding order. */
  subscribe(bus: import('../events/EventBus.ts').EventBus): void;
}
