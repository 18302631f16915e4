import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzCommand } from '@vmlab/cli';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-fuzz-shard-'));

async function fuzz(flags: Record<string, string>) {
  const lines: string[] = [];
  const code = await fuzzCommand(
    {
      machine: 'amd64',
      json: true,
      out: join(dir, `${flags.shard?.replace('/', '-') ?? 'all'}.yaml`),
      ...flags,
      policy: flags.policy !== undefined ? [flags.policy] : [],
    },
    (s) => lines.push(s),
  );
  return { code, doc: JSON.parse(lines[0]!) };
}

describe('fuzz --shard', () => {
  describe('when a clean campaign is split', () => {
    let whole: ReturnType<typeof fuzz> | undefined;
    for (const n of [1, 2, 3, 8]) {
      it(`should run, over ${n} shards, exactly the unsharded campaign's runs and operations`, async () => {
        whole ??= fuzz({ seed: '4', ops: '400', opsPerRun: '40', schedules: '2' });
        const w = await whole;
        expect(w.code).toBe(0);
        const parts = await Promise.all(
          Array.from({ length: n }, (_, i) => fuzz({ seed: '4', ops: '400', opsPerRun: '40', schedules: '2', shard: `${i}/${n}` })),
        );
        for (const p of parts) expect(p.code).toBe(0);
        expect(parts.reduce((a, p) => a + p.doc.runs, 0)).toBe(w.doc.runs);
        expect(parts.reduce((a, p) => a + p.doc.ops, 0)).toBe(w.doc.ops);
        expect(parts.reduce((a, p) => a + p.doc.schedules, 0)).toBe(w.doc.schedules);
      });
    }
  });
  describe('when the campaign finds a bug', () => {
    it('should find it in the shard that owns the failing run, numbered as unsharded', async () => {
      const whole = await fuzz({ seed: '2', ops: '3000', policy: 'pkru.clear_on=pmap_remove_swapout' });
      expect(whole.code).toBe(1);
      const run = whole.doc.violation.run as number;
      const owner = await fuzz({ seed: '2', ops: '3000', policy: 'pkru.clear_on=pmap_remove_swapout', shard: `${(run - 1) % 3}/3` });
      expect(owner.code).toBe(1);
      expect(owner.doc.violation.run).toBeLessThanOrEqual(run);
      expect(owner.doc.violation.signature).toBe(whole.doc.violation.signature);
    });
  });
  describe('when the shard is malformed', () => {
    it('should reject it as bad input', async () => {
      await expect(fuzz({ shard: '3/3' })).rejects.toThrow(/--shard 3\/3/);
    });
  });
});
