import { Counters, EVENT_KINDS, EventBus, EventSubscriber, type PluginDescriptor } from '@vmlab/core';
import { ContainerModule, inject, injectable } from 'inversify';

/**
 * `stats`: an observer that counts every domain event into the counters as
 * `events.KIND`, so `--json` and `compare` show them. It only observes.
 */
@injectable()
export class StatsSubscriber implements EventSubscriber {
  readonly name = 'stats';
  constructor(@inject(Counters) private readonly counters: Counters) {}
  subscribe(bus: EventBus): void {
    for (const kind of EVENT_KINDS) {
      bus.on(kind, 'stats', () => this.counters.add(`events.${kind}`));
    }
  }
}

export const statsPlugin: PluginDescriptor = {
  name: 'stats',
  description: 'counts every domain event into the counters (events.KIND)',
  module: new ContainerModule(({ bind }) => {
    bind(EventSubscriber).to(StatsSubscriber);
  }),
};
