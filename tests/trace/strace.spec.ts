import { describe, expect, it } from 'vitest';
import { readTrace } from '../../packages/lab/src/trace/readTrace.ts';
import { TraceError } from '../../packages/lab/src/trace/TraceError.ts';
import { collect, fixture, opsOf, tempTrace } from './collect.ts';

describe('StraceReader', () => {
  describe('when it reads the gcc compile (gcc.strace)', () => {
    it('should start the first pid, attach each vfork child before its first line, and exit all five', async () => {
      const { ops, warnings, stats } = await collect([fixture('gcc.strace')]);
      expect(warnings).toEqual([]);
      expect(opsOf(ops, 'spawn').map((o) => o.pid)).toEqual([21878]);
      const forks = opsOf(ops, 'fork');
      expect(forks.map((f) => [f.pid, f.child, f.how])).toEqual([
        [21878, 21879, 'vfork'],
        [21878, 21880, 'vfork'],
        [21878, 21881, 'vfork'],
        [21881, 21882, 'vfork'],
      ]);
      // 21879's execve line (line 22) comes before its parent's "vfork resumed" (line 23)
      expect(forks[0]!.line).toBe(22);
      expect(opsOf(ops, 'exit').map((o) => o.pid)).toEqual([21879, 21880, 21882, 21881, 21878]);
      expect(opsOf(ops, 'wait').map((o) => [o.pid, o.child])).toEqual([
        [21878, 21879],
        [21878, 21880],
        [21881, 21882],
        [21878, 21881],
      ]);
      // the eight execve calls that failed with ENOENT (the PATH search for as) are not replayed
      expect(stats.failed).toBe(8);
      expect(opsOf(ops, 'execve').map((o) => o.path)).toEqual([
        '/usr/bin/gcc',
        '/usr/lib/gcc/x86_64-linux-gnu/12/cc1',
        '/usr/bin/as',
        '/usr/lib/gcc/x86_64-linux-gnu/12/collect2',
        '/usr/bin/ld',
      ]);
      expect(stats.syscalls.get('mmap')).toBe(147);
      expect(opsOf(ops, 'mmap')).toHaveLength(147);
    });

    it('should take an unfinished call at its resumed line, with the result recorded there', async () => {
      const { ops } = await collect([fixture('gcc.strace')]);
      const src = (await import('node:fs')).readFileSync(fixture('gcc.strace'), 'utf8').split('\n');
      const resumedLine = src.findIndex((l) => l.startsWith('21880 <... mmap resumed>')) + 1;
      expect(resumedLine).toBeGreaterThan(0);
      const m = opsOf(ops, 'mmap').find((o) => o.line === resumedLine);
      expect(m).toMatchObject({ pid: 21880, addr: 0x7fb4530b1000 });
    });

    it('should decode flags by name and give one library the same file name in every process', async () => {
      const { ops } = await collect([fixture('gcc.strace')]);
      const first = opsOf(ops, 'mmap')[0]!;
      expect(first).toMatchObject({ addr: 0x7f12625ab000, len: 8192, prot: 3, flags: ['MAP_PRIVATE', 'MAP_ANONYMOUS'], fd: -1 });
      const text = opsOf(ops, 'mmap').filter((o) => o.len === 1400832 && o.prot === 5);
      // libc's text segment in gcc, cc1, as, collect2 and ld
      expect(new Set(text.map((o) => o.pid)).size).toBe(5);
      expect(new Set(text.map((o) => o.path))).toEqual(new Set(['file#1974096']));
      expect(opsOf(ops, 'mprotect')[0]).toMatchObject({ addr: 0x7f126258e000, len: 16384, prot: 1 });
      const brks = opsOf(ops, 'brk').filter((o) => o.pid === 21878);
      expect(brks.slice(0, 3).map((b) => [b.old, b.brk])).toEqual([
        [0x3c299000, 0x3c299000],
        [0x3c299000, 0x3c299000],
        [0x3c299000, 0x3c2ba000],
      ]);
    });
  });

  describe('when it reads traces recorded beside it', () => {
    it('should see python fork two children and mremap its heap (forker.py.strace)', async () => {
      const { ops, warnings } = await collect([fixture('forker.py.strace')]);
      expect(warnings).toEqual([]);
      const forks = opsOf(ops, 'fork');
      expect(forks.map((f) => f.how)).toEqual(['clone', 'clone']);
      expect(opsOf(ops, 'mremap')[0]).toMatchObject({ oldLen: 139264, newLen: 155648, flags: ['MREMAP_MAYMOVE'] });
      // both children exit before their parent reaps them, and the parent exits last
      expect(opsOf(ops, 'exit').at(-1)!.pid).toBe(opsOf(ops, 'spawn')[0]!.pid);
    });

    it('should read the small compile (cc.strace) without a warning', async () => {
      const { ops, warnings } = await collect([fixture('cc.strace')]);
      expect(warnings).toEqual([]);
      expect(opsOf(ops, 'fork').length).toBe(2);
      expect(opsOf(ops, 'exit').length).toBe(3);
    });
  });

  describe('when the trace is bad', () => {
    const head = '100 execve("/bin/x", ["x"], 0x0 /* 1 var */) = 0\n';
    it('should skip a truncated line with a warning naming file and line', async () => {
      const f = tempTrace(`${head}100 mmap(NULL, 8192, PROT_READ|PROT_WR\n100 munmap(0x1000, 4096) = 0\n`);
      const { ops, warnings } = await collect([f]);
      expect(warnings).toEqual([{ file: f, line: 2, message: expect.stringContaining('truncated mmap call') }]);
      expect(opsOf(ops, 'munmap')).toHaveLength(1);
    });

    it('should skip an unknown system call with one warning', async () => {
      const f = tempTrace(`${head}100 frobnicate(1) = 0\n100 frobnicate(2) = 0\n100 openat(AT_FDCWD, "/x", O_RDONLY) = 3\n`);
      const { warnings, stats } = await collect([f]);
      expect(warnings).toEqual([{ file: f, line: 2, message: expect.stringContaining('unknown system call frobnicate') }]);
      expect(stats.skipped).toBe(2);
    });

    it('should stop with file and line when a pid never started', async () => {
      const f = tempTrace(`${head}200 munmap(0x1000, 4096) = 0\n`);
      await expect(readTrace([f], { access() {}, op() {}, warn() {} })).rejects.toThrow(
        new TraceError(f, 2, 'pid 200 never started: no fork, vfork or clone in flight before its first line'),
      );
    });

    it('should skip garbage and a resumed call that was never started, and refuse a file that is not a trace', async () => {
      const f = tempTrace(`${head}%%%garbage\n100 <... wait4 resumed>) = 5\n`);
      const { warnings } = await collect([f]);
      expect(warnings.map((w) => w.line)).toEqual([2, 3]);
      const g = tempTrace('hello world\n');
      await expect(readTrace([g], { access() {}, op() {}, warn() {} })).rejects.toThrow(`${g}:1: not a trace`);
    });

    it('should decode a failed call as not replayed and an unknown madvise advice as a warning', async () => {
      const f = tempTrace(
        `${head}100 munmap(0x1000, 4096) = -1 EINVAL (Invalid argument)\n100 madvise(0x1000, 4096, 77) = 0\n100 madvise(0x1000, 4096, MADV_FREE) = 0\n`,
      );
      const { ops, warnings, stats } = await collect([f]);
      expect(stats.failed).toBe(1);
      expect(opsOf(ops, 'munmap')).toEqual([]);
      expect(warnings.map((w) => w.line)).toEqual([3]);
      expect(opsOf(ops, 'madvise').map((o) => o.advice)).toEqual(['MADV_FREE']);
    });
  });
});
