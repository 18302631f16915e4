import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand, mergeCommand } from '@vmlab/cli';
import { EXAMPLES, ROOT } from '../helpers/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-merge-'));

async function explore(file: string, flags: Record<string, string | boolean>) {
  const lines: string[] = [];
  const code = await exploreCommand(resolve(EXAMPLES, file), { json: true, log: join(dir, `${file.replace(/\//g, '_')}.jsonl`), ...flags }, (s) =>
    lines.push(s),
  );
  return { code, text: lines.join('\n'), doc: JSON.parse(lines.join('\n')) };
}

function merge(texts: string[]) {
  const files = texts.map((t, i) => {
    const f = join(dir, `shard-${Math.random().toString(36).slice(2)}-${i}.json`);
    writeFileSync(f, t);
    return f;
  });
  const lines: string[] = [];
  const code = mergeCommand(files, { json: true }, (s) => lines.push(s));
  return { code, doc: JSON.parse(lines.join('\n')) };
}

describe('vmlab merge', () => {
  describe('when given every shard of a clean explore campaign', () => {
    it('should report what the unsharded run reports (schedules per machine, complete, ok)', async () => {
      const whole = await explore('exit-peek-race.yaml', { reduction: false });
      const parts = await Promise.all([0, 1, 2].map((i) => explore('exit-peek-race.yaml', { reduction: false, shard: `${i}/3` })));
      const m = merge(parts.map((p) => p.text));
      expect(m.code).toBe(whole.code);
      expect(m.doc.ok).toBe(true);
      expect(m.doc.machines.map((x: { machine: string; schedules: number; complete: boolean }) => [x.machine, x.schedules, x.complete])).toEqual(
        whole.doc.machines.map((x: { machine: string; schedules: number; complete: boolean }) => [x.machine, x.schedules, x.complete]),
      );
    });
  });
  describe('when a shard is missing', () => {
    it('should not call a clean campaign complete (exit 1)', async () => {
      const parts = await Promise.all([0, 2].map((i) => explore('exit-peek-race.yaml', { shard: `${i}/3` })));
      const m = merge(parts.map((p) => p.text));
      expect(m.code).toBe(1);
      expect(m.doc.missing).toEqual([1]);
      for (const x of m.doc.machines) expect(x.complete).toBe(false);
    });
  });
  describe('when a shard finds the race', () => {
    it('should keep its violation and be as the file expects', async () => {
      const parts = await Promise.all([0, 1].map((i) => explore('races/revoke-walk/legacy.yaml', { shard: `${i}/2` })));
      const m = merge(parts.map((p) => p.text));
      expect(m.code).toBe(0);
      expect(m.doc.machines[0].violation.invariants).toContain('revoke_walk');
    });
  });
  describe('when the files are not shards of one campaign', () => {
    it('should reject them as bad input', async () => {
      const a = await explore('exit-peek-race.yaml', { shard: '0/2' });
      const b = await explore('races/revoke-walk/legacy.yaml', { shard: '1/2' });
      expect(() => merge([a.text, b.text])).toThrow(/not shards of one campaign/);
      expect(() => merge([a.text, a.text])).toThrow(/given twice/);
    });
  });
});

describe('explore --workers', () => {
  describe('when the campaign runs on two worker threads', () => {
    it('should print one merged report equal to the unsharded run', async () => {
      const whole = await explore('races/d15293-swap-split/fixed.yaml', { reduction: false });
      const out = execFileSync(
        process.execPath,
        [
          '--conditions=vmlab-source',
          '--import',
          'tsx',
          'packages/cli/src/main.ts',
          'explore',
          resolve(EXAMPLES, 'races/d15293-swap-split/fixed.yaml'),
          '--workers',
          '2',
          '--no-reduction',
          '--json',
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      const doc = JSON.parse(out);
      expect(doc.shards).toBe('2/2');
      expect(doc.ok).toBe(true);
      expect(doc.machines[0].schedules).toBe(whole.doc.machines[0].schedules);
      expect(doc.machines[0].complete).toBe(true);
    }, 60000);
  });
});
