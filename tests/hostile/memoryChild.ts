/**
 * Child process of memory.spec.ts (run under --max-old-space-size): explores or fuzzes
 * N runs in one `await` loop, as the CLI does, and prints the heap after a full GC at the
 * first tenth and at the end, as JSON on the last line.
 *   node --expose-gc ... memoryChild.ts explore 3000 | fuzz 300
 */
import { defaultCatalog, exploreScenario, fuzzMachine, parseScenario, scenarioMachines } from '@vmlab/lab';

const [mode, nText] = process.argv.slice(2);
const n = Number(nText);
const gc = (globalThis as { gc?: () => void }).gc!;
const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};
const catalog = defaultCatalog();
const marks: number[] = [];

const SCENARIO = `
name: two threads touch one page
machine: amd64
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }
  - concurrent:
      threads:
        - - write: { pid: 1, addr: a, value: 1 }
          - read: { pid: 1, addr: a }
        - - write: { pid: 1, addr: a, value: 2 }
          - read: { pid: 1, addr: a }
`;

async function main(): Promise<void> {
  if (mode === 'explore') {
    const s = parseScenario(SCENARIO, 'memory.yaml');
    const r = await exploreScenario(s, scenarioMachines(s, catalog, undefined), catalog, {
      strategy: 'random',
      bound: 2,
      seed: 1,
      runs: n,
      logFor: () => '/dev/null',
      onProgress: (_m, k) => {
        if (k === Math.floor(n / 10) || k === n) marks.push(heap());
      },
    });
    process.stdout.write(`${JSON.stringify({ runs: r.outcomes[0]!.result.schedules, first: marks[0], last: marks[marks.length - 1] })}\n`);
  } else {
    const m = scenarioMachines(parseScenario(SCENARIO, 'memory.yaml'), catalog, undefined)[0]!;
    const r = await fuzzMachine(
      {
        machine: m,
        policies: {},
        seed: 1,
        ops: n * 20,
        opsPerRun: 20,
        schedules: 0,
        foundBy: 'memory.spec',
        onProgress: (ran) => {
          if (ran === Math.floor(n / 10) * 20 || ran === n * 20) marks.push(heap());
        },
      },
      catalog,
    );
    process.stdout.write(`${JSON.stringify({ runs: r.runs, found: r.violation?.signature, first: marks[0], last: marks[marks.length - 1] })}\n`);
  }
}
void main();
