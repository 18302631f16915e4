import { describe, expect, it } from 'vitest';
import { resolveSpec } from '@vmlab/core';
import { defaultCatalog } from '@vmlab/lab';
import { exampleScenario, outcomes, problems, runScenario, runText } from '../helpers/scenario.ts';

describe('exit.teardown examples', () => {
  for (const file of ['exit-last-reference.yaml', 'exit-purge.yaml', 'exit-peek-race.yaml']) {
    it(`${file} holds every expectation on every machine`, async () => {
      const reports = await runScenario(exampleScenario(file));
      for (const r of reports) {
        expect(problems(r), `${file} on ${r.machine}`).toBe('');
        expect(r.failures.length).toBe(0);
        expect(r.steps.some((s) => s.held === true)).toBe(true);
      }
    });
  }

  it('purge_in_exit is the default under abi openbsd only', () => {
    const c = defaultCatalog();
    const base = c.presets.get('amd64')!;
    expect(resolveSpec({ ...base, abi: 'openbsd' }, c).policies['exit.teardown']).toBe('purge_in_exit');
    expect(resolveSpec(base, c).policies['exit.teardown']).toBe('last_reference');
    expect(resolveSpec({ ...base, abi: 'openbsd', policies: { 'exit.teardown': 'last_reference' } }, c).policies['exit.teardown']).toBe('last_reference');
  });

  it('the peek race differs by policy: data under last_reference, EFAULT after a purge', async () => {
    const [last, purge] = await runScenario(exampleScenario('exit-peek-race.yaml'));
    const peeks = (r: typeof last) => r!.steps.filter((s) => s.op === 'peek').map((s) => s.outcome);
    expect(peeks(last)).toEqual([{ value: 0x11 }, { errno: 'EFAULT' }]);
    expect(peeks(purge)).toEqual([{ errno: 'EFAULT' }, { errno: 'EFAULT' }]);
  });

  it('the purge cost is charged in exit, and a second purge is a no-op', async () => {
    const text = `
name: purge cost
machine: { arch: amd64, policies: { exit.teardown: purge_in_exit } }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 3 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 1 }
  - write: { pid: 1, addr: a+1 page, value: 2 }
  - exit: { pid: 1 }
  - check: { events: { kind: purge } }
  - check: { events: { kind: map_delete } }
  - wait: { pid: 1 }
  - check: { events: { kind: purge } }
  - check: { events: { kind: pmap_destroy } }
  - check: { rss: { pid: 1 } }
`;
    const r = await runText(text);
    expect(problems(r)).toBe('');
    const o = outcomes(r);
    expect(o[5]).toEqual({ events: 1 });
    expect(o[6]).toEqual({ events: 1 });
    expect(o[8]).toEqual({ events: 1 });
    expect(o[9]).toEqual({ events: 1 });
    expect(o[10]).toEqual({ errno: 'ESRCH' });
    expect(r.counters['purge.entries']).toBe(1);
    expect(r.counters['purge.pages']).toBe(2);
  });

  it('an unknown exit.teardown value is refused', () => {
    const c = defaultCatalog();
    expect(() => resolveSpec({ ...c.presets.get('amd64')!, policies: { 'exit.teardown': 'reaper' } }, c)).toThrow(/no value 'reaper'/);
  });
});
