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

/** Raised when a serial run reaches a wait that nothing else can satisfy. */
export class DeadlockError extends Error {}

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
