import { describe, expect, it } from 'vitest';
import { exampleScenario, problems, runScenario } from '../helpers/scenario.ts';

describe('madvise examples', () => {
  for (const file of ['madvise-free-shadow.yaml', 'madvise-reusable.yaml', 'madvise-reuse-policies.yaml', 'madvise-zero.yaml']) {
    it(`${file} holds every expectation on every machine`, async () => {
      for (const r of await runScenario(exampleScenario(file))) {
        expect(problems(r), `${file} on ${r.machine}`).toBe('');
        expect(r.steps.some((s) => s.held === true)).toBe(true);
      }
    });
  }

  it('free_on_shadow: skip keeps the post-fork value, apply rewinds to the pre-fork one', async () => {
    const [skip, apply] = await runScenario(exampleScenario('madvise-free-shadow.yaml'));
    const firstRead = (r: typeof skip) => r!.steps.find((s) => s.op === 'read')!.outcome;
    expect(firstRead(skip)).toEqual({ value: 0x59 });
    expect(firstRead(apply)).toEqual({ value: 0x58 });
  });

  it('reuse: zero counts pages zeroed at REUSE and in the background; keep zeroes none', async () => {
    const [xnu, zero, fatal] = await runScenario(exampleScenario('madvise-reuse-policies.yaml'));
    expect(zero!.counters['reuse.zeroed_at_reuse']).toBe(1);
    expect(zero!.counters['reuse.zeroed_in_background']).toBe(1);
    expect(xnu!.counters['reuse.zeroed_at_reuse'] ?? 0).toBe(0);
    const firstRead = (r: typeof xnu) => r!.steps.find((s) => s.op === 'read')!.outcome;
    expect(firstRead(xnu)).toEqual({ value: 0x41 });
    expect(firstRead(fatal)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_ACCERR' });
  });
});
