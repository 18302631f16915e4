import { Subject, type Observable, type Subscription } from 'rxjs';
import type { DomainEvent } from './DomainEvent.ts';
import { EVENT_KINDS, type EventKind } from './kinds.ts';

/** A subscriber's handler threw: reported with the event that caused it. */
export class SubscriberError extends Error {
  constructor(
    readonly subscriber: string,
    readonly event: DomainEvent,
    readonly original: unknown,
  ) {
    super(
      `${subscriber} threw on event ${event.kind} (caused by command ${event.cause}): ${
        original instanceof Error ? original.message : String(original)
      }`,
    );
  }
}

/**
 * The event bus: one rxjs stream per kind, delivered synchronously and in order, before the
 * emitting MI operation goes on. Emitting costs a counter increment and a flag test when
 * nobody listens to the kind: call sites write
 * `if (bus.wants('kind')) bus.publish({ kind: 'kind', ... })` so no payload is built.
 */
export class EventBus {
  /** How many events of each kind were emitted (subscribed or not). */
  readonly counts: Record<EventKind, number>;
  /** The command whose execution is under way; stamped on every event. */
  cause = 0;
  /** Errors thrown by subscribers since the last `takeErrors`. */
  private errors: SubscriberError[] = [];
  private readonly live: Record<EventKind, number>;
  private readonly subjects = new Map<EventKind, Subject<DomainEvent>>();
  private anyListeners = 0;
  private readonly any = new Subject<DomainEvent>();

  constructor() {
    const c = {} as Record<EventKind, number>;
    const l = {} as Record<EventKind, number>;
    for (const k of EVENT_KINDS) {
      c[k] = 0;
      l[k] = 0;
    }
    this.counts = c;
    this.live = l;
  }

  /** Counts one event of this kind; true if anyone listens (then publish it). */
  wants(kind: EventKind): boolean {
    this.counts[kind]++;
    return this.live[kind] !== 0 || this.anyListeners !== 0;
  }

  /** Delivers an event to the kind's subscribers, then to whole-log observers. */
  publish<K extends EventKind>(event: Omit<DomainEvent<K>, 'cause'> & { cause?: number }): void {
    const e = event as DomainEvent<K>;
    e.cause = this.cause;
    const s = this.subjects.get(e.kind);
    if (s !== undefined) s.next(e as DomainEvent);
    if (this.anyListeners !== 0) this.any.next(e as DomainEvent);
  }

  /** Emits in one call (for cold paths where building the payload costs nothing). */
  emit<K extends EventKind>(event: Omit<DomainEvent<K>, 'cause'>): void {
    if (this.wants(event.kind)) this.publish(event);
  }

  /** The stream of one kind (an Observable; subscribe with `on` to get error reporting). */
  stream<K extends EventKind>(kind: K): Observable<DomainEvent<K>> {
    return this.subject(kind) as unknown as Observable<DomainEvent<K>>;
  }

  /**
   * Subscribes `handler` to one kind. A throw is caught, recorded with the event and the
   * subscriber's name, and reported by the machine after the command; delivery goes on.
   */
  on<K extends EventKind>(kind: K, name: string, handler: (e: DomainEvent<K>) => void): Subscription {
    const sub = this.subject(kind).subscribe((e) => {
      try {
        handler(e as unknown as DomainEvent<K>);
      } catch (err) {
        this.errors.push(new SubscriberError(name, e, err));
      }
    });
    this.live[kind]++;
    sub.add(() => {
      this.live[kind]--;
    });
    return sub;
  }

  /** Observes every event (the event log, tracing). */
  onAny(name: string, handler: (e: DomainEvent) => void): Subscription {
    const sub = this.any.subscribe((e) => {
      try {
        handler(e);
      } catch (err) {
        this.errors.push(new SubscriberError(name, e, err));
      }
    });
    this.anyListeners++;
    sub.add(() => {
      this.anyListeners--;
    });
    return sub;
  }

  /** Errors thrown by subscribers since the last call, and forgets them. */
  takeErrors(): SubscriberError[] {
    if (this.errors.length === 0) return this.errors;
    const e = this.errors;
    this.errors = [];
    return e;
  }

  private subject(kind: EventKind): Subject<DomainEvent> {
    let s = this.subjects.get(kind);
    if (s === undefined) {
      s = new Subject<DomainEvent>();
      this.subjects.set(kind, s);
    }
    return s;
  }
}
