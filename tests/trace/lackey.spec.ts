import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../packages/lab/src/trace/readTrace.ts';
import { collect, fixture, opsOf, tempTrace } from './collect.ts';

const HEADER = '==500== Lackey, an example Valgrind tool\n==500== Command: ./t\n==500== Parent PID: 1\n==500== \n';
const MMAP_ANON = 'SYSCALL[500,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x10000000) \n';

/** Count the access records of a lackey log independently of the reader. */
function recordCounts(path: string) {
  const text = gunzipSync(readFileSync(path)).toString('latin1');
  const c = { I: 0, L: 0, S: 0, M: 0 };
  for (const m of text.matchAll(/^(?:I |\s([LSM])) /gm)) c[(m[1] ?? 'I') as 'I']++;
  return c;
}

describe('LackeyReader', () => {
  describe('when it reads hello world (hello.lackey.gz)', () => {
    it('should count every recorded access and hand on fewer, collapsed by page', async () => {
      const { stats, accesses } = await collect([fixture('hello.lackey.gz')]);
      const c = recordCounts(fixture('hello.lackey.gz'));
      expect([stats.instr, stats.loads, stats.stores, stats.modifies]).toEqual([c.I, c.L, c.S, c.M]);
      expect(stats.accesses).toBe(c.I + c.L + c.S + c.M);
      expect(accesses.length).toBe(stats.records);
      expect(stats.records).toBeLessThan(stats.accesses / 5);
    });

    it('should map the image, loader and stack on first touch as text, data and stack, and nothing twice', async () => {
      const { ops, stats, order } = await collect([fixture('hello.lackey.gz')]);
      const implicit = opsOf(ops, 'implicit_map');
      expect(stats.implicit.text).toBeGreaterThan(0);
      expect(stats.implicit.data).toBeGreaterThan(0);
      expect(stats.implicit.stack).toBeGreaterThan(0);
      expect(implicit.filter((o) => !o.upgrade)).toHaveLength(stats.implicit.text + stats.implicit.data + stats.implicit.stack);
      // the first access is an instruction fetch in the loader: its page is mapped (text, r-x) just before it
      const firstAccess = order.findIndex((e) => e.kind === 'access');
      expect(order[firstAccess - 1]).toMatchObject({ kind: 'op', op: { op: 'implicit_map', kind: 'text', prot: 5, addr: 0x401a000 } });
      const stack = implicit.filter((o) => o.kind === 'stack').map((o) => o.addr);
      expect(stack.every((a) => a >= 0x1ffe000000 && a < 0x2000000000)).toBe(true);
      const pages = implicit.filter((o) => !o.upgrade).map((o) => o.addr);
      expect(new Set(pages).size).toBe(pages.length);
    });

    it('should see only pages that a recorded call or a first touch mapped', async () => {
      const { order } = await collect([fixture('hello.lackey.gz')]);
      const mapped: [number, number][] = [];
      const inMap = (va: number) => mapped.some(([s, e]) => va >= s && va < e);
      let brk = 0;
      for (const e of order) {
        if (e.kind === 'op') {
          const o = e.op;
          if (o.op === 'mmap') mapped.push([o.addr, o.addr + Math.ceil(o.len / 4096) * 4096]);
          if (o.op === 'implicit_map') mapped.push([o.addr, o.addr + o.len]);
          if (o.op === 'brk') {
            if (brk === 0) brk = o.brk;
            mapped.push([o.old, o.brk]);
          }
          continue;
        }
        expect(inMap(e.va), `0x${e.va.toString(16)}`).toBe(true);
      }
    });
  });

  describe('when it reads a program that forks (forksort.lackey.*.gz)', () => {
    it("should run the child's log at its fork, as a copy of the parent, before the parent goes on", async () => {
      const files = ['forksort.lackey.10996.gz', 'forksort.lackey.11054.gz'].map(fixture);
      const { order, warnings } = await collect(files);
      expect(warnings).toEqual([]);
      const fork = order.findIndex((e) => e.kind === 'op' && e.op.op === 'fork');
      expect(order[fork]).toMatchObject({ op: { pid: 10996, child: 11054, how: 'clone' } });
      const childExit = order.findIndex((e) => e.kind === 'op' && e.op.op === 'exit' && e.op.pid === 11054);
      const wait = order.findIndex((e) => e.kind === 'op' && e.op.op === 'wait');
      expect(fork).toBeLessThan(childExit);
      expect(childExit).toBeLessThan(wait);
      const between = order.slice(fork + 1, childExit);
      expect(between.some((e) => e.kind === 'access' && e.pid === 11054 && e.k & 2)).toBe(true);
      expect(between.every((e) => (e.kind === 'access' ? e.pid : e.op.pid) === 11054)).toBe(true);
      // the child inherits its parent's mappings: nothing of its own is mapped on first touch
      expect(between.some((e) => e.kind === 'op' && e.op.op === 'implicit_map' && !e.op.upgrade)).toBe(false);
    });

    it('should start a child whose log begins at its exec with that exec, and say so (forkexec)', async () => {
      const files = ['forkexec.lackey.11128.gz', 'forkexec.lackey.11147.gz'].map(fixture);
      const { ops, warnings } = await collect(files);
      expect(warnings).toEqual([{ file: files[1], line: 1, message: expect.stringContaining('starts at its exec of /bin/true') }]);
      const i = ops.findIndex((o) => o.op === 'fork');
      expect(ops[i + 1]).toMatchObject({ op: 'execve', pid: 11147, path: '/bin/true' });
      expect(ops.slice(i + 2).some((o) => o.op === 'implicit_map' && o.pid === 11147 && o.kind === 'text')).toBe(true);
    });
  });

  describe('when it collapses accesses', () => {
    it('should hand on a fetch run once, a load after a store not at all, and a store after a load', async () => {
      const f = tempTrace(`${HEADER}${MMAP_ANON}I  10000000,4\nI  10000004,4\n L 10001000,8\n S 10001008,8\n L 10001010,8\n S 10001000,8\n`);
      const { accesses, stats } = await collect([f]);
      expect(stats.accesses).toBe(6);
      expect(accesses).toEqual([
        [500, 0x10000000, 4],
        [500, 0x10001000, 1],
        [500, 0x10001000, 2],
      ]);
    });

    it('should hand on the second page of an access that straddles two', async () => {
      const f = tempTrace(`${HEADER}${MMAP_ANON} S 10000ffc,8\n`);
      const { accesses } = await collect([f]);
      expect(accesses).toEqual([
        [500, 0x10000000, 2],
        [500, 0x10001000, 2],
      ]);
    });

    it('should start new runs after a system call', async () => {
      const f = tempTrace(
        `${HEADER}${MMAP_ANON} L 10000000,8\nSYSCALL[500,1](10) sys_mprotect ( 0x10000000, 4096, 1 )[sync] --> Success(0x0) \n L 10000000,8\n`,
      );
      const { accesses } = await collect([f]);
      expect(accesses).toHaveLength(2);
    });
  });

  describe('when the log is bad', () => {
    it('should skip a truncated record and garbage with a warning naming the line', async () => {
      const f = tempTrace(`${HEADER}${MMAP_ANON} L 1000\n@@@@\n L 10000000,8\n`);
      const { warnings, accesses } = await collect([f]);
      expect(warnings.slice(0, 2)).toEqual([
        { file: f, line: 6, message: expect.stringContaining('truncated or malformed access record') },
        { file: f, line: 7, message: expect.stringContaining('not a lackey record') },
      ]);
      expect(accesses).toHaveLength(1);
    });

    it('should report a log that ends without exit_group, and one whose parent never forked it', async () => {
      const orphan = tempTrace('==600== Lackey\n==600== Command: ./t\n==600== Parent PID: 500\n --> [pre-success] Success(0x0) \n', 'orphan');
      const f = tempTrace(`${HEADER}${MMAP_ANON} L 10000000,8\n`);
      const { warnings, ops } = await collect([f, orphan]);
      expect(warnings.map((w) => [w.file, w.line])).toEqual([
        [f, 6],
        [orphan, 1],
      ]);
      expect(warnings[1]!.message).toContain('pid 600 never started');
      expect(opsOf(ops, 'exit')).toMatchObject([{ pid: 500, status: -1 }]);
    });

    it('should refuse two logs of one pid', async () => {
      const a = tempTrace(`${HEADER}${MMAP_ANON}`);
      const b = tempTrace(`${HEADER}${MMAP_ANON}`);
      await expect(readTrace([a, b], { access() {}, op() {}, warn() {} })).rejects.toThrow(`${b}:1: two logs for pid 500`);
    });
  });

  describe('when the log is gzipped', () => {
    it('should read the same as the plain log', async () => {
      const plain = tempTrace(gunzipSync(readFileSync(fixture('hello.lackey.gz'))), 'hello.lackey');
      const a = await collect([plain]);
      const b = await collect([fixture('hello.lackey.gz')]);
      expect(a.accesses).toEqual(b.accesses);
      expect(a.ops.map((o) => ({ ...o, file: '' }))).toEqual(b.ops.map((o) => ({ ...o, file: '' })));
    });
  });
});
