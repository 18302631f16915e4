import type { EventBus } from './EventBus.ts';

/**
 * Event subscribers (multi-bound): MD side tables, pagers, observers. Each is bound in its
 * package's module and subscribed once, in binding order, when the machine boots.
 */
export const EventSubscriber = Symbol('EventSubscriber');
export interface EventSubscriber {
  readonly name: string;
  /** Subscribes to the bus; called once when the machine boots, in binding order. */
  subscribe(bus: EventBus): void;
}
