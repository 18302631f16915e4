/**
 * `pnpm bench:startup`: how long the built `vmlab` command takes to start, beside a bare
 * `node -e 0` on the same machine (the floor every Node program pays).
 *
 *   pnpm bench:startup            table: median, min and max wall time of each, and the ratio of medians to node -e 0
 *   pnpm bench:startup --json     one JSON document
 *   pnpm bench:startup --runs 15  repetitions of each (default 9)
 *
 * It runs packages/cli/bin/vmlab.js with VMLAB_FROM_SOURCE unset, so the build must exist
 * (`pnpm build`; the install builds it). In the repository the command still checks that no
 * source file is newer than the build: run `pnpm build` first or the figures are tsx's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages/cli/bin/vmlab.js');
const argv = process.argv.slice(2);
const JSON_OUT = argv.includes('--json');
const runsAt = argv.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(argv[runsAt + 1]) : 9;
if (!Number.isInteger(RUNS) || RUNS < 1) {
  process.stderr.write('bench:startup: --runs takes a positive integer\n');
  process.exit(2);
}
if (!existsSync(join(ROOT, 'packages/cli/dist/main.js'))) {
  process.stderr.write('bench:startup: no build (packages/cli/dist/main.js); run pnpm build first\n');
  process.exit(2);
}

const env = { ...process.env };
delete env.VMLAB_FROM_SOURCE;

const cases: { name: string; args: string[] }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'vmlab --version', args: [BIN, '--version'] },
  { name: 'vmlab run examples/fork-inherit.yaml', args: [BIN, 'run', join(ROOT, 'examples/fork-inherit.yaml')] },
];

function time(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const rows = cases.map((c) => {
  time(c.args); // warm the file cache
  const ms = Array.from({ length: RUNS }, () => time(c.args)).sort((a, b) => a - b);
  return { name: c.name, medianMs: ms[Math.floor(ms.length / 2)]!, minMs: ms[0]!, maxMs: ms.at(-1)! };
});
const floor = rows[0]!.medianMs;
const out = rows.map((r) => ({ ...r, ratio: r.medianMs / floor }));
if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify({ runs: RUNS, node: process.version, cases: out }, null, 2)}\n`);
} else {
  process.stdout.write(`start-up, ${RUNS} runs each (wall time, ms)\n`);
  for (const r of out) {
    process.stdout.write(
      `  ${r.name.padEnd(40)} median ${r.medianMs.toFixed(0).padStart(5)}  min ${r.minMs.toFixed(0).padStart(5)}  max ${r.maxMs.toFixed(0).padStart(5)}  ×${r.ratio.toFixed(1)}\n`,
    );
  }
}
