import { describe, expect, it } from 'vitest';
import { ScenarioError, ScenarioErrors, scenarioErrorOf } from './ScenarioError.ts';

describe('ScenarioError', () => {
  describe('when made for one problem', () => {
    it('should prefix the message with file, line and column', () => {
      const e = new ScenarioError('a.yaml', 3, 7, "unknown operation 'reed'");
      expect(e.message).toBe("a.yaml:3:7: unknown operation 'reed'");
      expect(e).toMatchObject({ file: 'a.yaml', line: 3, col: 7, problem: "unknown operation 'reed'" });
      expect(e.errors).toEqual([e]);
    });
  });
});

describe('ScenarioErrors', () => {
  describe('when made for several problems', () => {
    it('should list them one a line in source order and take the first position', () => {
      const b = new ScenarioError('a.yaml', 9, 1, 'b');
      const a = new ScenarioError('a.yaml', 2, 5, 'a');
      const c = new ScenarioError('a.yaml', 9, 3, 'c');
      const all = new ScenarioErrors([b, a, c]);
      expect(all).toBeInstanceOf(ScenarioError);
      expect(all.message).toBe('a.yaml:2:5: a\na.yaml:9:1: b\na.yaml:9:3: c');
      expect(all.errors).toEqual([a, b, c]);
      expect(all).toMatchObject({ line: 2, col: 5 });
    });
  });

  describe('when there is only one problem', () => {
    it('should be the error itself', () => {
      const a = new ScenarioError('a.yaml', 2, 5, 'a');
      expect(scenarioErrorOf([a])).toBe(a);
      expect(scenarioErrorOf([a, a])).toBeInstanceOf(ScenarioErrors);
    });
  });
});
