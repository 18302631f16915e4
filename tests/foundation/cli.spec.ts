import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

/** Runs the CLI from sources exactly as `pnpm vmlab ARGS` does. */
function vmlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--conditions=vmlab-source', '--import', 'tsx', join(ROOT, 'packages/cli/src/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'vmlab-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('vmlab CLI', () => {
  describe('when a scenario is malformed', () => {
    it('should exit 2 naming file, line and column, and run nothing', () => {
      const p = file('bad.yaml', 'name: bad\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 4 pages, prot: rwq, flags: [private, anon] }\n');
      const r = vmlab('run', p, '--log', join(dir, 'bad.jsonl'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: .*prot`));
      expect(r.out).toBe('');
    });

    it('should exit 2 for an unknown policy value with its position', () => {
      const p = file('pol.yaml', 'name: p\nmachine: { arch: amd64, policies: { map_delete.skips: sometimes } }\nsteps:\n  - spawn: { pid: 1 }\n');
      const r = vmlab('run', p);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${p}:2:`);
      expect(r.err).toContain("no value 'sometimes'");
    });
  });

  describe('when the command line itself is wrong', () => {
    it('should exit 2 for a missing argument or an unknown option, and 0 for --version', () => {
      expect(vmlab('run').code).toBe(2);
      const r = vmlab('run', join(ROOT, 'examples/demo.yaml'), '--bogus');
      expect(r.code).toBe(2);
      expect(r.err).toContain("unknown option '--bogus'");
      const v = vmlab('--version');
      expect(v.code).toBe(0);
      expect(v.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    });
  });

  describe('when an expectation fails', () => {
    it('should exit 1 and list the step, line and both values', () => {
      const p = file(
        'fail.yaml',
        'name: f\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }\n  - read: { pid: 1, addr: a, expect: { value: 0x41 } }\n',
      );
      const r = vmlab('run', p);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`${p}:5:`);
      expect(r.out).toContain('value: expected 0x41, got 0');
    });
  });

  describe('when run with --json and --log', () => {
    it('should print one JSON document with steps, counters and the event hash, and write the log', () => {
      const log = join(dir, 'demo.jsonl');
      const r = vmlab('run', join(ROOT, 'examples/fork-inherit.yaml'), '--json', '--log', log);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out) as {
        scenario: string;
        machine: string;
        steps: { held: boolean | null }[];
        eventHash: string;
        counters: Record<string, number>;
      };
      expect(doc.scenario).toBe('fork inheritance and COW');
      expect(doc.machine).toBe('amd64');
      expect(doc.steps.filter((s) => s.held === true)).toHaveLength(5);
      expect(doc.eventHash).toMatch(/^[0-9a-f]{64}$/);
      expect(doc.counters.faults).toBeGreaterThan(0);
      const lines = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; eventHash?: string });
      expect(lines[0]!.type).toBe('config');
      expect(lines.at(-1)).toMatchObject({ type: 'end', eventHash: doc.eventHash });
    });
  });

  describe('when asked what can be configured', () => {
    it('should list every policy key of docs/policies.md and the presets', () => {
      const p = vmlab('policies', '--json');
      expect(p.code).toBe(0);
      const keys = (JSON.parse(p.out) as { policies: { key: string }[] }).policies.map((x) => x.key);
      const contract = readFileSync(join(ROOT, 'docs/policies.md'), 'utf8');
      for (const m of contract.matchAll(/^\| `([a-z_.]+)` \|/gm)) expect(keys).toContain(m[1]);
      const m = vmlab('machines');
      expect(m.code).toBe(0);
      expect(m.out).toMatch(/amd64/);
      expect(m.out).toMatch(/arm64/);
    });
  });
});
