import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';
import { fixture, tempTrace } from './collect.ts';

/** Runs the CLI from sources exactly as `pnpm vmlab ARGS` does. */
function vmlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--conditions=vmlab-source', '--import', 'tsx', join(ROOT, 'packages/cli/src/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('vmlab trace', () => {
  describe('when it runs the lackey logs of a forking program on two machines', () => {
    it("should print one JSON document with each machine's figures", () => {
      const r = vmlab('trace', fixture('forksort.lackey.10996.gz'), fixture('forksort.lackey.11054.gz'), '--machines', 'amd64,arm64', '--json');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out) as { machines: { machine: string; accesses: number; faults: { cow: number }; reader: { records: number } }[] };
      expect(doc.machines.map((m) => m.machine)).toEqual(['amd64', 'arm64']);
      for (const m of doc.machines) {
        expect(m.accesses).toBe(1376645);
        expect(m.faults.cow).toBeGreaterThanOrEqual(32);
      }
    });

    it('should print the table with the machines as columns', () => {
      const r = vmlab('trace', fixture('gcc.strace'), '--machines', 'amd64,arm64');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^ {2}system calls replayed +297 +297$/m);
      expect(r.out).toMatch(/TLB invalidations/);
    });
  });

  describe('when it writes a log', () => {
    it('should write each operation with what it became, then the figures', () => {
      const out = tempTrace('', 'trace-log.jsonl');
      const r = vmlab('trace', fixture('forksort.strace'), '--log', out);
      expect(r.code).toBe(0);
      const lines = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({ kind: 'trace', machine: 'amd64' });
      expect(lines.at(-1)).toMatchObject({ kind: 'figures', machine: 'amd64' });
      const ops = lines.slice(1, -1);
      expect(ops.map((o) => o.op)).toContain('fork');
      expect(ops.every((o) => o.result === 'replayed')).toBe(true);
      expect(ops.map((o) => o.seq)).toEqual(ops.map((_, i) => i + 1));
    });
  });

  describe('when it runs a generator', () => {
    it('should take parameters and list the generators', () => {
      const r = vmlab('trace', '--generate', 'prefork', '--param', 'workers=2', '--param', 'heapPages=256', '--json');
      expect(r.code).toBe(0);
      const m = (JSON.parse(r.out) as { machines: { faults: { cow: number }; syscalls: Record<string, number> }[] }).machines[0]!;
      expect(m.syscalls.fork).toBe(2);
      expect(m.faults.cow).toBe(2 * Math.floor(256 / 10));
      const l = vmlab('trace', '--list-generators');
      expect(l.out).toMatch(/^allocator: /m);
      expect(l.out).toMatch(/^ {2}workers \(default 8\): workers forked$/m);
    });
  });

  describe('when the input is bad', () => {
    it('should exit 2 with file and line for a pid that never started, and for a file that is not a trace', () => {
      const f = tempTrace('100 execve("/bin/x", ["x"], 0x0 /* 1 var */) = 0\n200 munmap(0x1000, 4096) = 0\n');
      const r = vmlab('trace', f);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`vmlab: ${f}:2: pid 200 never started: no fork, vfork or clone in flight before its first line\n`);
      const g = vmlab('trace', join(ROOT, 'README.md'));
      expect(g.code).toBe(2);
      expect(g.err).toMatch(/README.md:1: not a trace/);
    });

    it('should exit 2 for an unknown generator, a bad parameter, both files and a generator, or no input', () => {
      expect(vmlab('trace', '--generate', 'nope').err).toMatch(/unknown generator 'nope'; generators: allocator, prefork, jit, debugger-tree/);
      expect(vmlab('trace', '--generate', 'jit', '--param', 'threads=x').code).toBe(2);
      expect(vmlab('trace', fixture('gcc.strace'), '--generate', 'jit').err).toMatch(/not both/);
      const none = vmlab('trace');
      expect(none.code).toBe(2);
      expect(none.err).toMatch(/no trace/);
    });

    it('should warn about a skipped line and go on', () => {
      const f = tempTrace('100 execve("/bin/x", ["x"], 0x0 /* 1 var */) = 0\n100 frob(1) = 0\n100 exit_group(0) = ?\n');
      const r = vmlab('trace', f);
      expect(r.code).toBe(0);
      expect(r.err).toBe(`vmlab: warning: ${f}:2: skipped: unknown system call frob (further ones are skipped silently)\n`);
    });
  });
});
