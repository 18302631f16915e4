import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@vmlab/cli';
import { Prng, defaultCatalog, generateOps, loadLog, loadScenario, replayLogFile, runOnMachine, scenarioMachines, scenarioText } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-determinism-'));

async function cliOut(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli(args, { out: (s) => lines.push(s), err: (s) => lines.push(s) });
  return { code, out: lines.join('\n') };
}

describe('determinism', () => {
  describe('when 1000 random runs are logged and replayed', () => {
    it('should replay every one to the same event hash', { timeout: 240_000 }, async () => {
      const catalog = defaultCatalog();
      let replayed = 0;
      const hashes = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const arch = i % 2 === 0 ? 'amd64' : 'arm64';
        const file = join(dir, `r${i % 10}.yaml`);
        writeFileSync(file, scenarioText(generateOps(new Prng(1000 + i), 8, arch), `{ arch: ${arch} }`, `random ${i}`));
        const s = loadScenario(file);
        const log = join(dir, `r${i % 10}.jsonl`);
        const r = await runOnMachine(s, scenarioMachines(s, catalog, undefined)[0]!, catalog, { check: true, log });
        const rep = await replayLogFile(loadLog(log), log, catalog);
        expect(rep.identical, `run ${i}: ${rep.firstDifference?.logged} / ${rep.firstDifference?.replayed}`).toBe(true);
        expect(rep.replayHash).toBe(r.eventHash);
        hashes.add(r.eventHash);
        replayed++;
      }
      expect(replayed).toBe(1000);
      // The runs differ from one another: the hash is not a constant.
      expect(hashes.size).toBeGreaterThan(900);
    });
  });

  describe('when the same command runs twice with --json', () => {
    it('should print the same document (run, compare, explore, fuzz)', { timeout: 120_000 }, async () => {
      const cmds = [
        ['run', 'examples/fork-inherit.yaml', '--json'],
        ['compare', 'examples/compare-tlb.yaml', '--json'],
        ['explore', 'examples/races/d15293-swap-split/legacy.yaml', '--json', '--log', join(dir, 'x.jsonl')],
        ['fuzz', '--ops', '400', '--seed', '3', '--json', '--out', join(dir, 'f.yaml')],
      ];
      for (const c of cmds) {
        const a = await cliOut(c);
        const b = await cliOut(c);
        expect(a.code, a.out).toBeLessThan(2);
        // The wall-clock figures: fuzz's rate (ops per second) and explore's time (stats.ms, stats.prefixMs).
        const strip = (s: string): string => s.replace(/"opsPerSecond": \d+/, '"opsPerSecond": 0').replace(/"(ms|prefixMs)": \d+/g, '"$1": 0');
        expect(strip(b.out), c.join(' ')).toBe(strip(a.out));
      }
    });
  });
});
