import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCommand } from '@vmlab/cli';
import {
  defaultCatalog,
  generateOps,
  InputError,
  loadScenario,
  machineState,
  parseLog,
  Prng,
  replayLog,
  runOnMachine,
  scenarioMachines,
  scenarioText,
} from '@vmlab/lab';
import { EXAMPLES, ROOT } from '../helpers/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-replay-'));
let n = 0;

/** Runs a scenario file on each of its machines with a log; replays each log. */
async function runAndReplay(file: string) {
  const catalog = defaultCatalog();
  const s = loadScenario(file);
  const out = [];
  for (const m of scenarioMachines(s, catalog, undefined)) {
    const log = join(dir, `${n++}.jsonl`);
    const r = await runOnMachine(s, m, catalog, { check: true, log });
    const rep = await replayLog(parseLog(readFileSync(log, 'utf8'), log), catalog);
    out.push({ machine: m.name, r, rep, log });
  }
  return out;
}

describe('replay reproduces every example', () => {
  const races = readdirSync(resolve(EXAMPLES, 'races'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap(({ name: d }) => [`races/${d}/legacy.yaml`, `races/${d}/fixed.yaml`]);
  const files = [...readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f)), ...races].sort();
  it('there are examples', () => expect(files.length).toBeGreaterThan(20));
  for (const f of files) {
    it(f, async () => {
      for (const { machine, r, rep } of await runAndReplay(resolve(EXAMPLES, f))) {
        expect(r.inputError, `${f} on ${machine}: ${r.error}`).toBeUndefined();
        expect(rep.replayHash, `${f} on ${machine}`).toBe(r.eventHash);
        expect(rep.loggedHash).toBe(r.eventHash);
        expect(rep.identical, JSON.stringify(rep.firstDifference ?? rep.scheduleDivergence)).toBe(true);
      }
    });
  }
});

describe('no hidden nondeterminism', () => {
  const big = join(dir, 'big.yaml');
  writeFileSync(big, scenarioText(generateOps(new Prng(7), 3000, 'amd64'), '{ arch: amd64 }', 'big random run'));

  it('a random run of thousands of steps replays to the same hash', async () => {
    const [{ r, rep }] = await runAndReplay(big);
    expect(r!.steps.length).toBeGreaterThan(3000);
    expect(r!.eventCount).toBeGreaterThan(3000);
    expect(rep!.identical).toBe(true);
    expect(rep!.replayHash).toBe(r!.eventHash);
  });

  it('the same scenario twice in one process and in two processes gives one hash', async () => {
    const a = (await runAndReplay(big))[0]!.r.eventHash;
    const b = (await runAndReplay(big))[0]!.r.eventHash;
    expect(b).toBe(a);
    const cli = () =>
      JSON.parse(
        execFileSync('node', ['--conditions=vmlab-source', '--import', 'tsx', 'packages/cli/src/main.ts', 'run', big, '--json'], {
          cwd: ROOT,
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        }).toString(),
      ).eventHash as string;
    expect(cli()).toBe(a);
    expect(cli()).toBe(a);
  }, 60000);
});

describe('vmlab replay', () => {
  const lines: string[] = [];
  const print = (s: string) => lines.push(s);

  it('--until N gives the state after command N', async () => {
    const [{ log }] = await runAndReplay(resolve(EXAMPLES, 'swap-split-race.yaml'));
    lines.length = 0;
    expect(await replayCommand(log!, { until: '5', json: true }, print)).toBe(0);
    const doc = JSON.parse(lines[0]!);
    expect(doc.command).toMatchObject({ seq: 5, op: 'write' });
    // spawn, thread, mmap, two writes: two pages resident
    expect(doc.state.processes[0]).toMatchObject({ pid: 1, rss: 2, threads: [0, 1], entries: [{ start: 0x10000000, end: 0x10008000, prot: 'rw' }] });
    const parsed = parseLog(readFileSync(log!, 'utf8'), log!);
    const rep = await replayLog(parsed, defaultCatalog(), { until: 5 });
    expect((machineState(rep.machine).counters as Record<string, number>).faults).toBe(2);
  });

  it('an altered event log is reported different (exit 1), a broken log is bad input', async () => {
    const [{ log }] = await runAndReplay(resolve(EXAMPLES, 'lifecycle.yaml'));
    const text = readFileSync(log!, 'utf8');
    const altered = join(dir, 'altered.jsonl');
    writeFileSync(altered, text.replace(/"kind":"fault","cause":(\d+)/, '"kind":"fault","cause":999'));
    lines.length = 0;
    expect(await replayCommand(altered, {}, print)).toBe(1);
    expect(lines.join('\n')).toMatch(/first difference at event/);
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, text.split('\n').slice(2).join('\n'));
    await expect(replayCommand(broken, {}, print)).rejects.toBeInstanceOf(InputError);
  });
});
