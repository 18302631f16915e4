import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, exampleScenario, outcomes, problems, runScenario, runText } from '../helpers/scenario.ts';

const LEGACY = resolve(EXAMPLES, 'machines/amd64-swap-2018.yaml');

describe('swap pager examples', () => {
  for (const f of ['swap-swapout.yaml', 'swap-cluster.yaml', 'swap-exhaustion.yaml', 'swap-faults.yaml', 'swap-pageout.yaml', 'swap-split-race.yaml']) {
    it(`${f} holds on its machine`, async () => {
      for (const r of await runScenario(exampleScenario(f))) {
        expect(problems(r), `${f} on ${r.machine}`).toBe('');
        expect(r.failures.length).toBe(0);
      }
    });
  }
});

describe('T3.7 fault vs fork split race (D15293)', () => {
  it('after_unlock: the fault re-creates a page the split moved (object_repopulated)', async () => {
    const [r] = await runScenario(exampleScenario('swap-split-race.yaml'), [LEGACY]);
    expect(r!.error).toBeUndefined();
    expect(r!.violations.map((v) => v.invariant)).toContain('object_repopulated');
    expect(r!.violations.find((v) => v.invariant === 'object_repopulated')!.message).toMatch(/index 1\b/);
    // The schedule as written: A, B, A, B.
    expect(r!.schedule.slice(0, 4).map((p) => p.chosen)).toEqual([0, 1, 0, 1]);
  });

  it('before_unlock: the split waits, the fault restarts, both processes read the right values', async () => {
    const [r] = await runScenario(exampleScenario('swap-split-race.yaml'), ['amd64']);
    expect(problems(r!)).toBe('');
    expect(r!.schedule.slice(0, 4).map((p) => [p.chosen, p.reason])).toEqual([
      [0, 'start'],
      [1, 'swap_pager_getpages: wait for buffer'],
      [0, 'vm_object_split: page busy'],
      [1, 'vm_fault: map locked'],
    ]);
  });

  it('a schedule naming a thread that cannot run is bad input', async () => {
    const text = exampleScenario('swap-split-race.yaml');
    const step = text.steps.find((s) => s.op === 'concurrent')!;
    (step.args as { schedule: number[] }).schedule = [0, 1, 1];
    const [r] = await runScenario(text, ['amd64']);
    expect(r!.inputError).toBe(true);
  });
});

const base = (machine: string, body: string) =>
  `name: t\nmachine: ${machine}\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 16 pages, prot: rw, flags: [private, anon], as: a }\n${body}`;
const fill = Array.from({ length: 16 }, (_, i) => `  - write: { pid: 1, addr: a+${i * 4096}, value: ${i + 1} }\n`).join('');

describe('clustering policy', () => {
  it('swap.cluster: 4 reads an aligned 4-page window', async () => {
    const r = await runText(
      base(
        '{ arch: amd64, policies: { swap.cluster: 4 } }',
        `${fill}  - swapout: { pid: 1 }\n  - read: { pid: 1, addr: a+${6 * 4096} }\n  - check: { events: { kind: pagein } }\n`,
      ),
    );
    expect(problems(r)).toBe('');
    expect(outcomes(r).at(-2)).toEqual({ value: 7 });
    expect(outcomes(r).at(-1)).toEqual({ events: 4 });
  });

  it('a non-numeric swap.cluster is bad input', async () => {
    await expect(runText(base('{ arch: amd64, policies: { swap.cluster: lots } }', ''))).rejects.toThrow(/swap.cluster/);
  });

  it('swap: 0 keeps the zero-fill pager: nothing leaves memory dirty', async () => {
    const r = await runText(
      base('{ arch: amd64, swap: 0 }', `${fill}  - swapout: { pid: 1 }\n  - check: { swap_used: {} }\n  - read: { pid: 1, addr: a+${3 * 4096} }\n`),
    );
    expect(outcomes(r).at(-3)).toEqual({ ok: true, pages: 0 });
    expect(outcomes(r).at(-1)).toEqual({ value: 4 });
  });
});

describe('split moves swap blocks with the pages', () => {
  it('fork after clipping: the child reads swapped pages of the split entry', async () => {
    const r = await runText(
      base(
        'amd64',
        `${fill}  - mprotect: { pid: 1, addr: a+${8 * 4096}, len: 8 pages, prot: r }\n  - swapout: { pid: 1 }\n  - fork: { pid: 1, child: 2 }\n  - read: { pid: 2, addr: a+${5 * 4096} }\n  - read: { pid: 1, addr: a+${12 * 4096} }\n  - check: { swap_used: {} }\n  - exit: { pid: 2 }\n  - wait: { pid: 2 }\n  - exit: { pid: 1 }\n  - check: { swap_used: {} }\n`,
      ),
    );
    expect(problems(r)).toBe('');
    const o = outcomes(r);
    expect(o[o.length - 7]).toEqual({ value: 6 });
    expect(o[o.length - 6]).toEqual({ value: 13 });
    expect(o[o.length - 5]).toEqual({ swap_used: 16 });
    expect(o.at(-1)).toEqual({ swap_used: 0 });
  });
});
