import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, exampleScenario, problems, runScenario } from '../helpers/scenario.ts';

/** Every example is documentation a user will run: each must hold under `vmlab run`. */
describe('examples/', () => {
  // The top level and the race benchmark's pairs (races/NAME/{legacy,fixed}.yaml).
  const races = readdirSync(`${EXAMPLES}/races`, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap(({ name: d }) => [`races/${d}/legacy.yaml`, `races/${d}/fixed.yaml`]);
  const files = [...readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')), ...races].sort();

  it('should hold enough examples to be worth checking', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  for (const f of files) {
    describe(`when ${f} runs on each of its machines`, () => {
      it('should hold every expectation with no invariant violated', async () => {
        const reports = await runScenario(exampleScenario(f));
        expect(reports.length).toBeGreaterThan(0);
        for (const r of reports) {
          expect(problems(r), `${f} on ${r.machine}`).toBe('');
          expect(r.steps.length).toBeGreaterThan(0);
        }
      });
    });
  }
});
