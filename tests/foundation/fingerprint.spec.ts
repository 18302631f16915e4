import { compareCommand } from '@vmlab/cli';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../helpers/scenario.ts';

type Doc = { steps: { differs: boolean }[]; runs: { machine: string; fingerprint: string; eventHash: string }[] };

async function compare(file: string): Promise<Doc> {
  const lines: string[] = [];
  await compareCommand(`${EXAMPLES}/${file}`, { json: true }, (s) => lines.push(s));
  return JSON.parse(lines.join('\n')) as Doc;
}

describe("a run's fingerprint", () => {
  describe('when the PKRU swapout bug and its fix read different values on the same steps', () => {
    it('should differ although the machine-independent event log hash is the same', async () => {
      const doc = await compare('pkru-swapout.yaml');
      expect(doc.steps.some((s) => s.differs)).toBe(true);
      const [fix, bug] = doc.runs;
      expect(fix!.eventHash).toBe(bug!.eventHash);
      expect(fix!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(fix!.fingerprint).not.toBe(bug!.fingerprint);
    });
  });

  describe('when the same scenario runs twice on the same machines', () => {
    it('should be the same', async () => {
      const a = await compare('pkru-swapout.yaml');
      const b = await compare('pkru-swapout.yaml');
      expect(a.runs.map((r) => r.fingerprint)).toEqual(b.runs.map((r) => r.fingerprint));
    });
  });
});
