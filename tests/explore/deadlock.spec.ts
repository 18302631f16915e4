import { describe, expect, it } from 'vitest';
import { DeadlockError, type KGen, SleepLock } from '@vmlab/core';
import { type Step, runThreads } from '@vmlab/lab';

const step = { op: 'concurrent', args: {}, pos: { file: 'inline.yaml', line: 7, col: 5 } } as unknown as Step;

/** Takes `a` then `b` exclusively (a kernel path that nests two locks), then drops both. */
function* nest(tid: number, a: SleepLock, b: SleepLock): KGen<void> {
  yield* a.lockExclusive(tid);
  yield { reason: `holding ${a.name}` };
  yield* b.lockExclusive(tid);
  b.unlockExclusive();
  a.unlockExclusive();
}

function run(gens: KGen<void>[], schedule: number[]) {
  let k = 0;
  runThreads(gens, step, {
    stopped: () => false,
    chooser: (rs) => (k < schedule.length ? schedule[k++]! : rs[0]!),
    onPoint: () => {},
    resume: () => {},
    afterYield: () => {},
  });
}

describe('deadlock detection', () => {
  describe('when two threads take two locks in opposite orders and interleave', () => {
    it('should report a deadlock with the wait-for cycle naming holders and waiters', () => {
      const map = new SleepLock('map of pid 1');
      const obj = new SleepLock('object 3');
      let err: unknown;
      try {
        run([nest(1, map, obj), nest(2, obj, map)], [0, 1, 0, 1]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DeadlockError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/deadlock in concurrent step at line 7/);
      expect(msg).toContain('wait-for cycle: thread 0 waits on object 3 held by thread 1, thread 1 waits on map of pid 1 held by thread 0');
    });
  });
  describe('when the same threads run one after the other', () => {
    it('should finish with both locks free', () => {
      const map = new SleepLock('map of pid 1');
      const obj = new SleepLock('object 3');
      run([nest(1, map, obj), nest(2, obj, map)], [0, 0, 0, 1, 1, 1]);
      expect(map.isFree() && obj.isFree()).toBe(true);
      expect(map.holders()).toEqual([]);
    });
  });
  describe('when a thread holds a lock shared and another waits for it exclusively', () => {
    it('should name the shared holder', () => {
      const l = new SleepLock('map');
      function* reader(): KGen<void> {
        yield* l.lockShared();
        yield { reason: 'read-locked', until: () => false };
      }
      function* writer(): KGen<void> {
        yield* l.lockExclusive(9);
      }
      expect(() => run([reader(), writer()], [0, 1])).toThrow(/1: map: wait exclusive/);
      expect(l.holders()).toEqual([0]);
    });
  });
});
