/**
 * `pnpm bench:view`: how `vmlab view` copes with a big run log (issue 15: a log of a million
 * events must open and step without freezing the page). Writes a scenario whose few
 * commands each fault, wire, page out and page in thousands of pages, runs it with a log,
 * times the viewer's HTML (replay + states), then opens it in headless Chromium and times
 * the load and each step.
 *
 *   pnpm bench:view                 about a million events
 *   pnpm bench:view --quick         about 100 000
 *   pnpm bench:view --json          one JSON document
 */
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCatalog, loadScenario, runOnMachine, scenarioMachines, writeView } from '@vmlab/lab';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const PAGES = 8192;
const CYCLES = QUICK ? 3 : 28;
const say = (s: string): void => {
  if (!JSON_OUT) process.stderr.write(s);
};

const dir = mkdtempSync(join(tmpdir(), 'vmlab-bench-view-'));
const steps = ['  - spawn: { pid: 1 }', `  - mmap: { pid: 1, len: ${PAGES} pages, prot: rw, flags: [private, anon], as: a }`];
for (let i = 0; i < CYCLES; i++) {
  steps.push(`  - mlock: { pid: 1, addr: a, len: ${PAGES} pages }`);
  steps.push(`  - munlock: { pid: 1, addr: a, len: ${PAGES} pages }`);
  steps.push(`  - write: { pid: 1, addr: a+${i} pages, value: ${i + 1} }`);
  steps.push(`  - pageout: { pid: 1, addr: a, len: ${PAGES} pages }`);
}
const yaml = join(dir, 'big.yaml');
writeFileSync(yaml, `name: viewer bench\nmachine: { arch: amd64, physmem: 128MiB, swap: 256MiB }\nsteps:\n${steps.join('\n')}\n`);

const catalog = defaultCatalog();
const s = loadScenario(yaml);
const log = join(dir, 'big.jsonl');
let t = performance.now();
const r = await runOnMachine(s, scenarioMachines(s, catalog, undefined)[0]!, catalog, { check: false, log });
const runMs = performance.now() - t;
say(`run: ${r.eventCount} events, ${r.steps.length} commands in ${(runMs / 1000).toFixed(1)} s\n`);
const html = join(dir, 'big.html');
t = performance.now();
await writeView([log], catalog, html);
const writeMs = performance.now() - t;
const bytes = statSync(html).size;
say(`view: ${(bytes / 1e6).toFixed(1)} MB of HTML in ${(writeMs / 1000).toFixed(1)} s\n`);

const result: Record<string, number | string> = { events: r.eventCount, commands: r.steps.length, runMs, writeMs, htmlBytes: bytes };
if (!existsSync('/usr/bin/chromium')) {
  say('no /usr/bin/chromium: the browser half is not measured\n');
  result.browser = 'absent';
} else {
  const { chromium } = await import('playwright-core');
  const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await b.newPage({ viewport: { width: 1400, height: 900 } });
    t = performance.now();
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-ready]', { timeout: 120000 });
    const loadMs = performance.now() - t;
    const stepMs: number[] = [];
    for (let i = 0; i < Math.min(40, r.steps.length - 1); i++) {
      t = performance.now();
      await page.keyboard.press('ArrowRight');
      await page.evaluate('new Promise((ok) => requestAnimationFrame(() => ok(null)))');
      stepMs.push(performance.now() - t);
    }
    stepMs.sort((a, b) => a - b);
    result.loadMs = loadMs;
    result.stepMedianMs = stepMs[stepMs.length >> 1]!;
    result.stepMaxMs = stepMs[stepMs.length - 1]!;
    say(
      `browser: loaded in ${(loadMs / 1000).toFixed(2)} s; a step takes ${result.stepMedianMs.toFixed(0)} ms (median), ${result.stepMaxMs.toFixed(0)} ms (max)\n`,
    );
  } finally {
    await b.close();
  }
}
if (JSON_OUT) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
