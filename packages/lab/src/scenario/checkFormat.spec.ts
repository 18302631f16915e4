import { describe, expect, it } from 'vitest';
import { checkFormat } from './checkFormat.ts';
import { Machine, Scenario } from './format.ts';
import { Walker } from './Walker.ts';

/** The problems checkFormat reports for a file, as file:line:col: message. */
function problems(text: string, what: 'scenario' | 'machine' = 'scenario'): string[] {
  const w = new Walker(text, 'f.yaml');
  checkFormat(w, what === 'scenario' ? Scenario : Machine, what);
  return w.errors.map((e) => e.message);
}

describe('checkFormat', () => {
  describe('when the file has the format’s shape', () => {
    it('should report nothing', () => {
      expect(
        problems('name: x\nmachine: { arch: amd64, cpus: 2 }\nsteps:\n  - spawn: { pid: 1 }\n  - check: { rss: { pid: 1 }, expect: { rss: 0 } }\n'),
      ).toEqual([]);
    });
  });

  describe('when a key is not in the definition', () => {
    it('should report it at the key’s line and column, naming the path and the schema file', () => {
      const [p, ...rest] = problems('name: x\nsteps:\n  - spawn: { pid: 1, bogus: 2 }\n');
      expect(rest).toEqual([]);
      expect(p).toMatch(/^f\.yaml:3:22: steps\.0\.spawn: .*bogus.* \(the scenario format, schema\/scenario\.schema\.json\)$/);
    });
  });

  describe('when a value has the wrong type deep in a list', () => {
    it('should report it at the value', () => {
      expect(problems('name: x\nsteps:\n  - spawn: { pid: 1 }\n  - exit: { pid: true }\n').join('\n')).toMatch(/^f\.yaml:4:18: steps\.1\.exit\.pid: /);
    });
  });

  describe('when a machine file lacks a required key', () => {
    it('should report it at the map that lacks it', () => {
      expect(problems('cpus: 2\n', 'machine').join('\n')).toMatch(/^f\.yaml:1:1: arch: .*\(the machine format, schema\/machine\.schema\.json\)$/);
    });
  });
});
