import { Observable, type Observer, Subject, type Subscription } from 'rxjs';
import type { DomainEvent } from './DomainEvent.ts';
import { EVENT_KINDS, type EventKind } from './kinds.ts';

/** A subscriber's handler threw: reported with the event that caused it. */
export class SubscriberError extends Error {
  constructor(
    readonly subscriber: string,
    readonly event: DomainEvent,
    readonly original: unknown,
  ) {
    super(`${subscriber} threw on event ${event.kind} (caused by command ${event.cause}): ${original instanceof Error ? original.message : String(original)}`);
  }
}

/** An observable whose subscribers' `next` throws are caught and handed to `report`. */
function guarded<T>(source: Observable<T>, name: string, report: (err: unknown) => void): Observable<T> {
  const o = new Observable<T>((subscriber) => source.subscribe(subscriber));
  const subscribe = o.subscribe.bind(o);
  o.subscribe = ((observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null) => {
    const next = typeof observerOrNext === 'function' ? observerOrNext : observerOrNext?.next?.bind(observerOrNext);
    const safe = (e: T): void => {
      try {
        next?.(e);
      } catch (err) {
        report(err);
      }
    };
    if (typeof observerOrNext === 'function' || observerOrNext == null) return subscribe(safe);
    return subscribe({ ...observerOrNext, next: safe } as Partial<Observer<T>>);
  }) as typeof o.subscribe;
  const pipe = o.pipe.bind(o) as (...ops: unknown[]) => Observable<T>;
  o.pipe = ((...ops: unknown[]) => guarded(pipe(...ops) as Observable<T>, name, report)) as typeof o.pipe;
  return o;
}

/**
 * One kind's gate: how many events of it were emitted, and whether anyone listens (its own
 * subscribers or a whole-log observer). Hot call sites hold it by name
 * (`bus.kind.pmap_enter.wants()`), a constant property load instead of a keyed one.
 */
export class KindGate {
  /** Events of this kind emitted so far. */
  n = 0;
  /** Subscribers of this kind plus whole-log observers. */
  live = 0;

  /** Counts one event; true if anyone listens (then publish it). */
  wants(): boolean {
    this.n++;
    return this.live !== 0;
  }
}

/**
 * The event bus: one rxjs stream per kind, delivered synchronously and in order, before the
 * emitting MI operation goes on. Emitting costs a counter increment and a flag test when
 * nobody listens to the kind: core publishes each kind from one emitter in events/emit.ts,
 * which tests the gate before it builds the payload. `emit` is the one-call form for code
 * outside core's routines.
 */
export class EventBus {
  /** Each kind's gate (count and listeners). */
  readonly kind: Readonly<Record<EventKind, KindGate>>;
  /** The command whose execution is under way; stamped on every event. */
  cause = 0;
  /** Errors thrown by subscribers since the last `takeErrors`. */
  private errors: SubscriberError[] = [];
  private readonly subjects = new Map<EventKind, Subject<DomainEvent>>();
  private anyListeners = 0;
  private readonly any = new Subject<DomainEvent>();

  constructor() {
    const g = {} as Record<EventKind, KindGate>;
    for (const k of EVENT_KINDS) g[k] = new KindGate();
    this.kind = g;
  }

  /** How many events of each kind were emitted (subscribed or not), as a plain record. */
  get counts(): Record<EventKind, number> {
    const c = {} as Record<EventKind, number>;
    for (const k of EVENT_KINDS) c[k] = this.kind[k].n;
    return c;
  }

  /** Counts one event of this kind; true if anyone listens (then publish it). */
  wants(kind: EventKind): boolean {
    return this.kind[kind].wants();
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

  /**
   * The stream of one kind (an Observable). A subscriber counts as a listener of the kind
   * (the emitters publish to it), and a throw from its `next` is caught and reported as
   * `on` reports it (rxjs alone would rethrow it later, from a timer, and crash the run).
   * Operators (`pipe`) go on through the same guard: what they deliver ends in `next`.
   */
  stream<K extends EventKind>(kind: K): Observable<DomainEvent<K>> {
    const source = this.subject(kind);
    const gate = this.kind[kind];
    const errors = (e: SubscriberError): void => {
      this.errors.push(e);
    };
    const current: { event?: DomainEvent } = {};
    const raw = new Observable<DomainEvent<K>>((subscriber) => {
      gate.live++;
      const sub = source.subscribe((e) => {
        current.event = e;
        subscriber.next(e as unknown as DomainEvent<K>);
      });
      return () => {
        gate.live--;
        sub.unsubscribe();
      };
    });
    return guarded(raw, `bus.stream(${kind}) subscriber`, (err) => errors(new SubscriberError(`bus.stream(${kind}) subscriber`, current.event!, err)));
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
    const gate = this.kind[kind];
    gate.live++;
    sub.add(() => {
      gate.live--;
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
    for (const k of EVENT_KINDS) this.kind[k].live++;
    sub.add(() => {
      this.anyListeners--;
      for (const k of EVENT_KINDS) this.kind[k].live--;
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
