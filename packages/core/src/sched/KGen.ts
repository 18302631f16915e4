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
}

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

/** A sleepable lock with shared and exclusive holders (vm_map lock, object lock). */
export class SleepLock {
  /** Exclusive owner's thread id, or -1. */
  owner = -1;
  shared = 0;
  constructor(readonly name: string) {}

  isFree(): boolean {
    return this.owner === -1 && this.shared === 0;
  }

  *lockExclusive(tid: number): KGen<void> {
    while (this.owner !== -1 || this.shared !== 0) {
      yield { reason: `${this.name}: wait exclusive`, until: () => this.isFree() };
    }
    this.owner = tid;
  }

  *lockShared(): KGen<void> {
    while (this.owner !== -1) {
      yield { reason: `${this.name}: wait shared`, until: () => this.owner === -1 };
    }
    this.shared++;
  }

  tryExclusive(tid: number): boolean {
    if (!this.isFree()) return false;
    this.owner = tid;
    return true;
  }

  unlockExclusive(): void {
    this.owner = -1;
  }

  unlockShared(): void {
    this.shared--;
  }
}
