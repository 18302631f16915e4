import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, importRefs } from '../helpers/importGraph.ts';
import { ROOT } from '../helpers/scenario.ts';
import { sources } from '../helpers/sources.ts';

const CORE = join(ROOT, 'packages', 'core', 'src');
const FILES = sources(CORE).filter((f) => !f.endsWith('.spec.ts'));

/** The MI folders: below the system-call layer, never reaching up into it or into the harness. */
const MI = ['abi', 'events', 'exit', 'fault', 'fork', 'madvise', 'map', 'mem', 'object', 'pageout', 'pager', 'policy', 'proc', 'revoke', 'sched', 'vm'];
/** What an MI folder never imports (types included): the system-call front, composition, the harness. */
const ABOVE_MI = ['sys', 'machine', 'scenario', 'replay', 'explore', 'conformance'];

/**
 * Type-only cycles that are mutually recursive declarations by design (no module-load edge):
 * a VM object holds its pager and a pager's methods take the object; the system-call front
 * delegates to the sys/ files, whose functions (and the MD ArchOps it hands itself to) take
 * the front. Anything else is a cycle to remove.
 */
const TYPE_ONLY_GROUPS = [['object/VmObject.ts', 'pager/Pager.ts'], FILES.map((f) => relative(CORE, f)).filter((f) => f.startsWith(`sys${sep}`))];

const folderOf = (f: string): string => relative(CORE, f).split(sep)[0]!;

describe('import graph of packages/core/src', () => {
  describe('when following the imports that are loaded at run time', () => {
    it('should find no cycle between files', () => {
      expect(cycles(importGraph(FILES, false), CORE)).toEqual([]);
    });
  });

  describe('when type-only imports count too', () => {
    it('should find cycles only inside the declared mutually recursive groups', () => {
      const stray = cycles(importGraph(FILES, true), CORE).filter((c) => !TYPE_ONLY_GROUPS.some((g) => c.every((f) => g.includes(f))));
      expect(stray).toEqual([]);
    });
  });

  describe('when an MI folder imports', () => {
    it('should never reach the system-call layer, composition or the harness (type imports included)', () => {
      const bad: string[] = [];
      const graph = importGraph(FILES, true);
      for (const [f, targets] of graph) {
        if (!MI.includes(folderOf(f))) continue;
        for (const t of targets) if (ABOVE_MI.includes(folderOf(t))) bad.push(`${relative(CORE, f)} imports ${relative(CORE, t)}`);
      }
      expect(bad).toEqual([]);
    });
  });

  describe('when the checker is given a graph with a cycle', () => {
    it('should report it, and tell type-only imports apart', () => {
      const g = new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]);
      expect(cycles(g)).toEqual([['a', 'b', 'c']]);
      expect(cycles(new Map([['s', ['s']]]))).toEqual([['s']]);
      const refs = importRefs(join(CORE, 'policy', 'ExitPolicy.ts'));
      expect(refs.find((r) => r.spec === '../vm/VmContext.ts')?.typeOnly).toBe(true);
      expect(refs.find((r) => r.spec === '../exit/vmspaceFree.ts')?.typeOnly).toBe(false);
    });
  });
});
