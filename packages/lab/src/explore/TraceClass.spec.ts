import { describe, expect, it } from 'vitest';
import { TraceClass } from './TraceClass.ts';

// Threads 0 and 1 share a process (dependent); thread 2 is on an unrelated one.
const DEP = [
  [true, true, false],
  [true, true, false],
  [false, false, true],
];
const key = (choices: number[], dep = DEP): string => choices.reduce((c, t) => c.after(t), TraceClass.EMPTY.segment(dep)).key();

describe('TraceClass', () => {
  describe('when independent transitions are swapped', () => {
    it('should give the same class', () => {
      expect(key([0, 2, 1])).toBe(key([2, 0, 1]));
      expect(key([0, 1, 2, 2])).toBe(key([2, 0, 2, 1]));
    });
  });
  describe('when dependent transitions are swapped', () => {
    it('should give different classes', () => {
      expect(key([0, 1, 2])).not.toBe(key([1, 0, 2]));
      expect(key([0, 0, 1])).not.toBe(key([0, 1, 0]));
    });
  });
  describe('when prefixes have different lengths or segments', () => {
    it('should tell them apart', () => {
      expect(key([0, 2])).not.toBe(key([0, 2, 2]));
      const twoSegs = TraceClass.EMPTY.segment(DEP).after(0).segment(DEP).after(2).key();
      expect(twoSegs).not.toBe(key([0, 2]));
    });
  });
  describe('when a step has more than 31 threads', () => {
    it('should still key each thread apart', () => {
      const n = 40;
      const all = Array.from({ length: n }, () => Array.from({ length: n }, () => false));
      for (let i = 0; i < n; i++) all[i]![i] = true;
      expect(key([35, 3], all)).toBe(key([3, 35], all));
      expect(key([35, 3], all)).not.toBe(key([34, 3], all));
    });
  });
});
