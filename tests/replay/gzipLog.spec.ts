import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError, defaultCatalog, loadLog, loadScenario, replayLogFile, runOnMachine, scenarioMachines } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../helpers/scenario.ts';
import { tempTrace } from '../trace/collect.ts';

describe('run logs written as gzip', () => {
  describe('when the log file name ends in .gz', () => {
    it('should write gzip that holds the same lines as the plain log, and replay to the same hash', async () => {
      const catalog = defaultCatalog();
      const s = loadScenario(resolve(EXAMPLES, 'touch-repeat.yaml'));
      const m = scenarioMachines(s, catalog, ['arm64'])[0]!;
      const gz = tempTrace('', 'run.jsonl.gz');
      const plain = tempTrace('', 'run.jsonl');
      const r = await runOnMachine(s, m, catalog, { check: true, log: gz });
      await runOnMachine(s, m, catalog, { check: true, log: plain });
      const bytes = readFileSync(gz);
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
      expect(gunzipSync(bytes).toString('utf8')).toBe(readFileSync(plain, 'utf8'));
      expect(bytes.length).toBeLessThan(readFileSync(plain).length / 5);
      const rep = await replayLogFile(loadLog(gz), gz, catalog);
      expect(rep.replayHash).toBe(r.eventHash);
      expect(rep.loggedHash).toBe(r.eventHash);
    });

    it('should refuse a gzip log that is cut short, as bad input', () => {
      const g = tempTrace('', 'cut.jsonl.gz');
      writeFileSync(g, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]));
      expect(() => loadLog(g)).toThrow(InputError);
      expect(() => loadLog(g)).toThrow(/a gzip log that cannot be read/);
    });
  });
});
