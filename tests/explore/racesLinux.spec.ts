import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand } from '@vmlab/cli';
import { defaultCatalog, parseLog, replayLog } from '@vmlab/lab';
import { EXAMPLES, ROOT, exampleScenario, problems, runScenario, scenarioFrom } from '../helpers/scenario.ts';

/** The Linux races of the benchmark (examples/races/README.md), explored in both forms. */
const dir = mkdtempSync(join(tmpdir(), 'vmlab-races-linux-'));

async function exploreJson(file: string, flags: Record<string, string> = {}) {
  const lines: string[] = [];
  const log = join(dir, `${file.replace(/\//g, '_')}.jsonl`);
  const code = await exploreCommand(resolve(EXAMPLES, file), { json: true, log, ...flags }, (s) => lines.push(s));
  return { code, doc: JSON.parse(lines.join('\n')) };
}

const RACES: [string, string, string][] = [
  ['mremap-tlb', 'stale_tlb', 'frame reused'],
  ['fork-vma-lock', 'expectation', 'expected 0x99, got 0x11'],
  ['mrelease-exit', 'mrelease_walk', 'after exit_mmap freed it'],
  ['dirty-cow', 'expectation', 'expected 0x61616161, got 0x41414141'],
];

describe('the Linux races: legacy finds its violation, fixed is clean', () => {
  for (const [race, invariant, detail] of RACES) {
    it(`${race}/legacy.yaml: ${invariant}, verified by run, replayable`, async () => {
      const file = `races/${race}/legacy.yaml`;
      const { code, doc } = await exploreJson(file);
      expect(code).toBe(0);
      const m = doc.machines.find((x: { violation?: unknown }) => x.violation !== undefined);
      expect(m.violation.invariants).toContain(invariant);
      expect(JSON.stringify(m.violation)).toContain(detail);
      expect(m.violation.verified).toBe(true);
      // The schedule found, given to run, shows the same failure.
      const s = exampleScenario(file);
      let k = 0;
      for (const st of s.steps) if (st.op === 'concurrent') st.args.schedule = m.violation.schedules[k++].schedule;
      const [r] = await runScenario(s);
      expect(problems(r!)).toContain(detail);
      const rep = await replayLog(parseLog(readFileSync(m.violation.log, 'utf8'), m.violation.log), defaultCatalog());
      expect(rep.identical).toBe(true);
    });
    it(`${race}/fixed.yaml: clean over every schedule to the default bound`, async () => {
      const { code, doc } = await exploreJson(`races/${race}/fixed.yaml`);
      expect(code).toBe(0);
      for (const m of doc.machines) {
        expect(m.violation).toBeUndefined();
        expect(m.complete).toBe(true);
        expect(m.schedules).toBeGreaterThan(1);
      }
    });
  }
});

describe('the LTP dirtyc0w port (tests/kernel/linux/dirtyc0w.yaml) under each gup.force_cow value', () => {
  const file = resolve(ROOT, 'tests/kernel/linux/dirtyc0w.yaml');
  const text = readFileSync(file, 'utf8');
  it('foll_cow (the default): the file keeps its first word in every round', async () => {
    const [r] = await runScenario(scenarioFrom(text, file));
    expect(problems(r!)).toBe('');
  });
  it('drop_foll_write: the racing round writes the file, as on Linux 2.6.22 to 4.8', async () => {
    const legacy = text.replace('abi: linux, cpus: 3 }', 'abi: linux, cpus: 3, policies: { gup.force_cow: drop_foll_write } }');
    expect(legacy).not.toBe(text);
    const [r] = await runScenario(scenarioFrom(legacy, file));
    // The write alone and MADV_DONTNEED first leave the file alone; the interleaving of the
    // second round (MADV_DONTNEED at cond_resched after the copy-on-write fault) does not.
    const out = problems(r!);
    expect(out).toContain('line 34 read: value: expected 0x73696874, got 0x3030306d');
    expect(out).not.toContain('line 25 read');
  });
});
