import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, exampleScenario, problems, runScenario, scenarioFrom } from '../helpers/scenario.ts';

describe('revoke examples', () => {
  for (const file of ['revoke-modes.yaml', 'revoke-even-cows.yaml', 'revoke-walk-race.yaml', 'revoke-walk-stale.yaml']) {
    it(`${file} holds every expectation on every machine`, async () => {
      for (const r of await runScenario(exampleScenario(file))) {
        expect(problems(r), `${file} on ${r.machine}`).toBe('');
        expect(r.steps.some((s) => s.held === true)).toBe(true);
      }
    });
  }

  it('the modes differ on a private copy: replace_entry drops it, zap keeps it without even_cows', async () => {
    const [rep, zap] = await runScenario(exampleScenario('revoke-modes.yaml'));
    const cowRead = (r: typeof rep) => r!.steps.filter((s) => s.op === 'read').at(-1)!.outcome;
    expect(cowRead(rep)).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
    expect(cowRead(zap)).toEqual({ value: 0xc0c0 });
  });

  function staleScenario(schedule: string, mode: string) {
    const file = resolve(EXAMPLES, 'revoke-walk-stale.yaml');
    const text = readFileSync(file, 'utf8')
      .replace(/schedule: \[[0-9, ]*\]/, `schedule: ${schedule}`)
      .replace('policies: { revoke.walk: no_recheck }', `policies: { revoke.walk: no_recheck, revoke.mode: ${mode} }`);
    return scenarioFrom(text, file);
  }

  it('no_recheck with munmap in the window uses the freed entry: revoke_walk and object_refs fail', async () => {
    const [r] = await runScenario(staleScenario('[0, 1, 0]', 'replace_entry'));
    const names = new Set(r!.violations.map((v) => v.invariant));
    expect(names.has('revoke_walk')).toBe(true);
    expect(names.has('object_refs')).toBe(true);
  });

  it('no_recheck under zap is caught by revoke_walk', async () => {
    const [r] = await runScenario(staleScenario('[0, 1, 0]', 'zap'));
    expect(r!.violations.map((v) => v.invariant)).toContain('revoke_walk');
  });

  it('recheck in the same window skips the vanished entry and revokes the rest, clean', async () => {
    const text = readFileSync(resolve(EXAMPLES, 'revoke-walk-race.yaml'), 'utf8');
    for (const mode of ['replace_entry', 'zap']) {
      const [r] = await runScenario(
        scenarioFrom(text.replace('policies: { revoke.walk: recheck }', `policies: { revoke.walk: recheck, revoke.mode: ${mode} }`)),
      );
      expect(problems(r!)).toBe('');
      expect(r!.events.revoke).toBe(1);
      expect(r!.steps.find((s) => s.op === 'read' && (s.outcome as { signal?: string }).signal !== undefined)?.outcome).toMatchObject({ signal: 'SIGBUS' });
    }
  });
});
