/**
 * Child process of memory.spec.ts (run under --max-old-space-size): explores or fuzzes
 * N runs in one `await` loop, as the CLI does, or forks and reaps N children of one
 * process on one machine, and prints the heap (fork: with array buffers, where page tables
 * live) after a full GC at the first tenth and at the end, as JSON on the last line.
 *   node --expose-gc ... memoryChild.ts explore 3000 | fuzz 300 | fork 20000
 */
import { composeMachine, defaultMachine, runNow, runSerial, type Thread } from '@vmlab/core';
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
  } else if (mode === 'fork') {
    const k = (await composeMachine({ ...defaultMachine('amd64', 'memory'), physmem: 64 << 20, swap: 0 }, catalog)).kernel;
    k.spawn(1, false);
    const p = k.procs.get(1)!;
    const t = p.thread(0) as Thread;
    const a = runNow(k.mmap(p, { len: 16 * 4096, prot: 3, protExtra: '', flags: ['private', 'anon'] })).addr as number;
    for (let i = 0; i < 16; i++) k.write(p, t, a + i * 4096, i + 1);
    const all = (): number => heap() + process.memoryUsage().arrayBuffers;
    let reaped = 0;
    for (let i = 0; i < n; i++) {
      const pid = i + 2;
      runSerial(k.fork(p, t, pid));
      const c = k.procs.get(pid)!;
      runSerial(k.exit(c, c.thread(0) as Thread));
      if (k.wait(c).ok === true) reaped++;
      k.procs.delete(pid);
      if (i + 1 === Math.floor(n / 10) || i + 1 === n) marks.push(all());
    }
    process.stdout.write(`${JSON.stringify({ runs: reaped, first: marks[0], last: marks[marks.length - 1] })}\n`);
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
