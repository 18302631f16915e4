import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand } from '@vmlab/cli';
import { defaultCatalog, parseLog, replayLog } from '@vmlab/lab';
import { EXAMPLES, exampleScenario, problems, runScenario } from '../helpers/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-explore-'));

async function exploreJson(file: string, flags: Record<string, string> = {}) {
  const lines: string[] = [];
  const code = await exploreCommand(resolve(EXAMPLES, file), { json: true, log: join(dir, `${file.replace(/\//g, '_')}.jsonl`), ...flags }, (s) =>
    lines.push(s),
  );
  return { code, doc: JSON.parse(lines.join('\n')) };
}

describe('explore finds the three races in their legacy form', () => {
  for (const [file, invariant] of [
    ['races/d15293-swap-split/legacy.yaml', 'object_repopulated'],
    ['races/revoke-walk/legacy.yaml', 'revoke_walk'],
    ['races/exit-peek/legacy.yaml', 'expectation'],
  ] as const) {
    it(`${file}: ${invariant}, verified by run, replayable`, async () => {
      const { code, doc } = await exploreJson(file);
      expect(code).toBe(0);
      const m = doc.machines.find((x: { violation?: unknown }) => x.violation !== undefined);
      expect(m.violation.invariants).toContain(invariant);
      expect(m.violation.verified).toBe(true);
      // the printed schedule, given to run, reproduces it
      const s = exampleScenario(file);
      let k = 0;
      for (const st of s.steps) if (st.op === 'concurrent') st.args.schedule = m.violation.schedules[k++].schedule;
      const [r] = await runScenario(s);
      expect(problems(r!)).not.toBe('');
      // the log replays byte-identically
      const rep = await replayLog(parseLog(readFileSync(m.violation.log, 'utf8'), m.violation.log), defaultCatalog());
      expect(rep.identical).toBe(true);
    });
  }
  it('random and pct find the split race too', async () => {
    for (const strategy of ['random', 'pct']) {
      const { code, doc } = await exploreJson('races/d15293-swap-split/legacy.yaml', { strategy, seed: '5', runs: '200' });
      expect(code, strategy).toBe(0);
      expect(doc.machines[0].violation.invariants).toContain('object_repopulated');
    }
  });
});

describe('the fixed forms are clean over every schedule to the default bound', () => {
  for (const file of [
    'races/d15293-swap-split/fixed.yaml',
    'races/revoke-walk/fixed.yaml',
    'races/exit-peek/fixed.yaml',
    'swap-split-race.yaml',
    'revoke-walk-race.yaml',
  ]) {
    it(file, async () => {
      const { code, doc } = await exploreJson(file);
      expect(code).toBe(0);
      for (const m of doc.machines) {
        expect(m.violation).toBeUndefined();
        expect(m.complete).toBe(true);
        expect(m.schedules).toBeGreaterThan(1);
      }
    });
  }
  it('a file expecting clean that is not exits 1', async () => {
    const { code } = await exploreJson('swap-split-race.yaml', { machine: resolve(EXAMPLES, 'machines/amd64-swap-2018.yaml') });
    expect(code).toBe(1);
  });
  it('a larger bound explores more schedules (exit-peek: 25 in all)', async () => {
    const { doc } = await exploreJson('exit-peek-race.yaml', { bound: '10' });
    expect(doc.machines[0].schedules).toBeGreaterThan((await exploreJson('exit-peek-race.yaml', { bound: '0' })).doc.machines[0].schedules);
  });
});
