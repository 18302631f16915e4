/**
 * Kernel paths that may sleep or drop a lock are generator functions. They `yield` a Wait
 * at exactly the points where a real kernel may sleep or let another thread in; a thread
 * whose Wait has an `until` that is false is blocked (not runnable).
 */
export interface Wait {
  /** Where and why, e.g. `vm_fault: page busy` (shown in schedules and traces). */
  readonly reason: string;
  /** Runnable again only once this holds (a lock released, a page unbusied). */
  readonly until?: () => boolean;
  /**
   * What the sleeping path waits on (a map or object lock, a busy page's object), when it is
   * a lock: its holders name the edges of a deadlock's wait-for cycle.
   */
  readonly on?: Holdable;
}

/** Something a thread can hold and another wait on (a SleepLock). */
export interface Holdable {
  readonly name: string;
  /** The scheduler's thread indices holding it (see `sched.current`). */
  holders(): readonly number[];
}

/**
 * The scheduler's current thread: a `concurrent` step's thread index while it runs, -1
 * outside. Locks record it as their holder, so a deadlock can name who holds what.
 */
export const sched = { current: -1 };

export type KGen<T> = Generator<Wait, T, void>;

/**
 * The value-or-continuation convention. A kernel path that usually completes at once but
 * may sleep (vm_fault, an access, a page-in) returns `Run<T>`: the result itself when it did
 * not sleep (no generator is allocated on that common path), or, at the point where the real
 * kernel would sleep, the continuation: a KGen that yields there and then returns the same
 * result. A caller that is itself a kernel path finishes either with `yield* settle(r)`; a
 * caller outside any thread (a serial step) with `runNow(r)`.
 */
export type Run<T> = T | KGen<T>;

/** Whether a Run is the continuation (still to be driven) rather than the value. */
export function isKGen<T>(x: Run<T>): x is KGen<T> {
  return typeof x === 'object' && x !== null && typeof (x as KGen<T>).next === 'function';
}

/** Finishes a Run inside a kernel path: `const v = yield* settle(r)`. */
export function* settle<T>(r: Run<T>): KGen<T> {
  return isKGen(r) ? yield* r : r;
}

/** Raised when a serial run reaches a wait that nothing else can satisfy. */
export class DeadlockError extends Error {}

/** Finishes a Run with no other thread running (a serial step): the value, or the continuation driven by runSerial. */
export function runNow<T>(r: Run<T>): T {
  return isKGen(r) ? runSerial(r) : r;
}

/** Drives a kernel path to completion with no other thread running (a serial step). */
export function runSerial<T>(g: KGen<T>): T {
  for (;;) {
    const r = g.next();
    if (r.done === true) return r.value;
    const w = r.value;
    if (w.until !== undefined && !w.until()) {
      throw new DeadlockError(`deadlock: a serial step waits forever at "${w.reason}"`);
    }
  }
}

/**
 * A sleepable lock with shared and exclusive holders (vm_map lock, object lock).
 *
 * `preferWriters` makes it the BSD rwlock(9) of OpenBSD and NetBSD (the UVM map's
 * `vmmaplk`): once a writer waits, new readers wait behind it. FreeBSD's vm_map lock lets
 * readers in while a writer waits (off, the default). `busy` is UVM's vm_map_busy(): a
 * thread that marked the map busy may drop the lock and sleep; other threads' exclusive
 * requests (vm_map_lock) wait until it unbusies, without queueing as writers, so readers
 * (a fault's relock) still get in.
 */
export class SleepLock implements Holdable {
  /** Exclusive owner's thread id, or -1. */
  owner = -1;
  shared = 0;
  /** Readers wait while a writer waits (rwlock(9)); see the class comment. */
  preferWriters = false;
  /** Writers sleeping for the lock (counted whatever preferWriters says). */
  writersWaiting = 0;
  /** The lock owner id that marked the map busy (vm_map_busy), -1 when none. */
  busyBy = -1;
  /** The scheduler thread of the exclusive owner, -1 when none or serial. */
  private ownerThread = -1;
  /** The scheduler threads holding it shared (one entry per hold). */
  private readers: number[] = [];
  /** The scheduler thread that marked it busy. */
  private busyThread = -1;
  /** What a writer waiting for the busy mark to clear waits on (for the wait-for cycle). */
  readonly busyMark: Holdable;
  constructor(readonly name: string) {
    this.busyMark = { name: `${name} busy`, holders: () => (this.busyBy !== -1 && this.busyThread >= 0 ? [this.busyThread] : []) };
  }

  holders(): readonly number[] {
    if (this.owner !== -1) return this.ownerThread >= 0 ? [this.ownerThread] : [];
    return this.readers.filter((t) => t >= 0);
  }

  isFree(): boolean {
    return this.owner === -1 && this.shared === 0;
  }

  /** Whether a new reader gets in now: no exclusive owner, and no waiting writer when writers are preferred. */
  canShare(): boolean {
    return this.owner === -1 && !(this.preferWriters && this.writersWaiting > 0);
  }

  /** Whether another owner than `tid` marked it busy (an exclusive request must wait). */
  busyForOther(tid: number): boolean {
    return this.busyBy !== -1 && this.busyBy !== tid;
  }

  *lockExclusive(tid: number): KGen<void> {
    for (;;) {
      if (this.busyForOther(tid)) {
        // UVM's vm_map_lock: sleep until the busy mark clears, not queued on the rwlock.
        yield { reason: `${this.name}: wait unbusy`, until: () => !this.busyForOther(tid), on: this.busyMark };
        continue;
      }
      if (this.isFree()) break;
      this.writersWaiting++;
      try {
        yield { reason: `${this.name}: wait exclusive`, until: () => this.isFree() || this.busyForOther(tid), on: this };
      } finally {
        this.writersWaiting--;
      }
    }
    this.owner = tid;
    this.ownerThread = sched.current;
  }

  *lockShared(): KGen<void> {
    while (!this.canShare()) {
      yield { reason: `${this.name}: wait shared`, until: () => this.canShare(), on: this };
    }
    this.shared++;
    this.readers.push(sched.current);
  }

  /** A reader that got in without sleeping (vm_map_trylock_read): false when it would have to wait. */
  tryShared(): boolean {
    if (!this.canShare()) return false;
    this.shared++;
    this.readers.push(sched.current);
    return true;
  }

  tryExclusive(tid: number): boolean {
    if (!this.isFree() || this.busyForOther(tid)) return false;
    this.owner = tid;
    this.ownerThread = sched.current;
    return true;
  }

  unlockExclusive(): void {
    this.owner = -1;
    this.ownerThread = -1;
  }

  unlockShared(): void {
    this.shared--;
    const i = this.readers.indexOf(sched.current);
    this.readers.splice(i >= 0 ? i : this.readers.length - 1, 1);
  }

  /** vm_map_busy: the caller holds the lock; other threads' exclusive requests wait until unbusy. */
  markBusy(tid: number): void {
    this.busyBy = tid;
    this.busyThread = sched.current;
  }

  /** vm_map_unbusy. */
  unbusy(): void {
    this.busyBy = -1;
    this.busyThread = -1;
  }
}
