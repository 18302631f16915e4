/**
 * Replay throughput for `pnpm bench`: a command log written by a real run, read back and
 * replayed (`vmlab replay`'s path: a fresh machine, the logged steps, the event log
 * compared line by line and hashed), in commands per second from the first command to the
 * verdict. The scenario is a process that maps 256 pages and then reads and writes them
 * (the first touch of each page faults; the rest hit a present translation), forks once,
 * and lets the child write a share of them (copy-on-write faults): `commands` steps in all.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCatalog, parseLog, parseScenario, replayLog, runOnMachine, scenarioMachines } from '@vmlab/lab';

export interface ReplayRate {
  commands: number;
  events: number;
  /** Commands per second, median over the repetitions. */
  perSecond: number;
}

const PAGES = 256;

export function scenarioText(commands: number): string {
  const lines = [
    'name: replay throughput',
    'machine: amd64',
    'steps:',
    '  - spawn: { pid: 1 }',
    `  - mmap: { pid: 1, len: ${PAGES} pages, prot: rw, flags: [private, anon], as: buf }`,
  ];
  const half = commands >> 1;
  for (let i = lines.length - 3; i < commands; i++) {
    const page = (i * 7) % PAGES;
    const word = (i * 4) % 4096;
    if (i === half) {
      lines.push('  - fork: { pid: 1, child: 2 }');
      continue;
    }
    const pid = i > half && i % 4 === 0 ? 2 : 1;
    if (i % 3 === 0) lines.push(`  - read: { pid: ${pid}, addr: buf+${page * 4096 + (word & ~3)} }`);
    else lines.push(`  - write: { pid: ${pid}, addr: buf+${page * 4096 + (word & ~3)}, value: ${i & 0xffff} }`);
  }
  return `${lines.join('\n')}\n`;
}

export async function replayRate(commands: number, reps: number): Promise<ReplayRate> {
  const catalog = defaultCatalog();
  const s = parseScenario(scenarioText(commands), 'replay-bench.yaml');
  const m = scenarioMachines(s, catalog, undefined)[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'vmlab-bench-replay-'));
  try {
    const file = join(dir, 'run.log');
    const r = await runOnMachine(s, m, catalog, { log: file });
    if (r.error !== undefined || r.failures.length > 0) throw new Error(`bench: the replay scenario failed: ${r.error ?? r.failures[0]?.failure}`);
    const log = parseLog(readFileSync(file, 'utf8'), file);
    const rates: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      let t0 = 0;
      const res = await replayLog(log, catalog, {
        observe: {
          onMachine: () => {
            t0 = performance.now();
          },
        },
      });
      const ms = performance.now() - t0;
      if (!res.identical) throw new Error('bench: the replayed event log differs from the logged one');
      if (i > 0) rates.push(log.commands.length / (ms / 1000));
    }
    rates.sort((a, b) => a - b);
    return { commands: log.commands.length, events: log.events.length, perSecond: rates[rates.length >> 1]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
