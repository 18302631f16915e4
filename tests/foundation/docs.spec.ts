import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCatalog } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { policiesDoc } from '../../scripts/policiesDoc.ts';
import { ROOT } from '../helpers/scenario.ts';

describe('docs/policies.md', () => {
  describe('when compared with the policy definitions', () => {
    it('should be what pnpm docs:policies writes from them (every key, its values, defaults and rules)', () => {
      expect(readFileSync(join(ROOT, 'docs/policies.md'), 'utf8')).toBe(policiesDoc());
      const keys = [...readFileSync(join(ROOT, 'docs/policies.md'), 'utf8').matchAll(/^\| `([a-z_.]+)` \|/gm)].map((m) => m[1]);
      expect(keys.sort()).toEqual(
        defaultCatalog()
          .policies.all()
          .map((d) => d.key)
          .sort(),
      );
    });
  });
});

describe('docs/kernel-rules.md', () => {
  describe('when the policies name T-numbered rules', () => {
    it('should state every rule they name', () => {
      const rules = readFileSync(join(ROOT, 'docs/kernel-rules.md'), 'utf8');
      const named = new Set<string>();
      for (const d of defaultCatalog().policies.all()) {
        for (const m of d.rules.matchAll(/T(\d+)\.(\d+)(?:[–-]T?(\d+)\.(\d+)|[–-](\d+))?/g)) {
          const from = Number(m[2]);
          const to = m[4] !== undefined ? Number(m[4]) : m[5] !== undefined ? Number(m[5]) : from;
          for (let i = from; i <= to; i++) named.add(`T${m[1]}.${i}`);
        }
      }
      expect(named.size).toBeGreaterThan(0);
      for (const t of named) expect(rules, t).toMatch(new RegExp(`\\*\\*${t.replace('.', '\\.')}\\*\\*`));
    });
  });
});
