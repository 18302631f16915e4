import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli } from '@vmlab/cli';
import { EXIT } from '@vmlab/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';
import { type HostileCase, hostileCases, logCases } from './cases.ts';

/** C0 controls but tab and newline, and DEL: built from code points so the pattern source holds none. */
const CONTROL_CHARS = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(11)}-${String.fromCharCode(31)}${String.fromCharCode(127)}]`,
);

// Plugin files import @vmlab/core: the folders live under the repository (its package.json
// has "type": "module"), as the other plugin tests' do.
mkdirSync(join(ROOT, '.vmlab-tmp'), { recursive: true });
const TMP = mkdtempSync(join(ROOT, '.vmlab-tmp', 'hostile-'));
let n = 0;

/** Runs the command line in-process; the exit code and everything printed. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; ms: number }> {
  const lines: string[] = [];
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const t0 = Date.now();
  try {
    const code = await runCli(args, { out: (s) => lines.push(s), err: (s) => lines.push(s) });
    return { code, out: lines.join('\n'), ms: Date.now() - t0 };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function materialise(c: Pick<HostileCase, 'files' | 'args'>): string[] {
  const dir = join(TMP, String(n++));
  mkdirSync(dir, { recursive: true });
  for (const [p, text] of Object.entries(c.files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text.replaceAll('$DIR', dir));
  }
  return c.args.map((a) => a.replace('$DIR', dir));
}

/** A location (file:line[:col]:, or the file named), or a usage message (commander's error:, a flag or command named). */
const LOCATED = /(\S+:\d+(:\d+)?: )|(^error: )|(^vmlab: (--[a-z-]+|new-plugin|explore|fuzz|run|compare|replay)\b)|(^vmlab: \/\S+: )/m;
const STACK = /^\s+at .+(\(|:\d+:\d+)/m;

function expectRefused(r: { code: number; out: string; ms: number }, says?: RegExp, budgetMs = 5000): void {
  expect(r.code, r.out).toBe(EXIT.input);
  expect(r.out).toMatch(LOCATED);
  expect(r.out).not.toMatch(STACK);
  expect(r.out).not.toContain('internal error');
  // Control characters from input are never echoed raw.
  expect(r.out).not.toMatch(CONTROL_CHARS);
  expect(r.ms).toBeLessThan(budgetMs);
  if (says !== undefined) expect(r.out).toMatch(says);
}

const CASES = hostileCases();

describe('the hostile-input corpus', () => {
  it('should hold at least 400 cases in every class', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(400);
    const classes = new Set(CASES.map((c) => c.klass));
    for (const k of ['schema', 'numbers', 'checks', 'machines', 'limits', 'flags', 'outputs', 'plugins']) expect(classes.has(k), k).toBe(true);
  });

  for (const klass of [...new Set(CASES.map((c) => c.klass))]) {
    describe(`when the input is bad (${klass})`, () => {
      for (const c of CASES.filter((x) => x.klass === klass)) {
        it(`should refuse ${c.name} with exit 2, a location and no stack trace`, async () => {
          expectRefused(await cli(materialise(c), c.env), c.says, c.budgetMs);
        });
      }
    });
  }

  describe('when a log is bad (replay)', () => {
    let valid = '';
    let withPlugin = '';
    beforeAll(async () => {
      const [, run, log] = materialise({
        files: {
          's.yaml':
            'name: l\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }\n  - write: { pid: 1, addr: a, value: 7 }\n  - read: { pid: 1, addr: a, expect: { value: 7 } }\n',
        },
        args: ['run', '$DIR/s.yaml', '$DIR/l.jsonl'],
      });
      expect((await cli(['run', run!, '--log', log!])).code).toBe(0);
      valid = readFileSync(log!, 'utf8');
      const [, prun, plog] = materialise({
        files: {
          'p.ts':
            "import { ContainerModule, PLUGIN_API_VERSION } from '@vmlab/core';\nexport default { name: 'p', apiVersion: PLUGIN_API_VERSION, module: new ContainerModule(() => {}) };\n",
          's.yaml': 'name: l\nmachine: { arch: amd64, plugins: [./p.ts] }\nsteps:\n  - spawn: { pid: 1 }\n',
        },
        args: ['run', '$DIR/s.yaml', '$DIR/l.jsonl'],
      });
      expect((await cli(['run', prun!, '--log', plog!])).code).toBe(0);
      withPlugin = readFileSync(plog!, 'utf8');
    });

    it('should replay the untouched logs (with --allow-plugins for the plugin one)', async () => {
      const [a] = materialise({ files: { 'l.jsonl': valid }, args: ['$DIR/l.jsonl'] });
      expect((await cli(['replay', a!])).code).toBe(0);
      const [b] = materialise({ files: { 'l.jsonl': withPlugin }, args: ['$DIR/l.jsonl'] });
      expect((await cli(['replay', b!, '--allow-plugins'])).code).toBe(0);
    });

    it('should refuse each mutated log with exit 2, its line and no stack trace', async () => {
      const cases = logCases(valid, withPlugin);
      expect(cases.length).toBeGreaterThanOrEqual(40);
      for (const c of cases) {
        const [file] = materialise({ files: { 'l.jsonl': c.text }, args: ['$DIR/l.jsonl'] });
        const r = await cli(['replay', file!]);
        try {
          expectRefused(r, c.says);
        } catch (e) {
          throw new Error(`${c.name}: ${(e as Error).message}`);
        }
      }
    });
  });

  afterAll(() => {
    // The folders stay under .vmlab-tmp (ignored) for a look after a failure.
  });
});
