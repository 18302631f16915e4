import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzCommand } from '@vmlab/cli';
import { type FuzzOp, Prng, defaultCatalog, generateOps, racesOf, runFuzzText, scenarioText } from '@vmlab/lab';
import { ROOT } from '../helpers/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-fuzz-'));

describe('vmlab fuzz', () => {
  it('a CI-sized run with default policies finds nothing (amd64 and arm64)', async () => {
    for (const machine of ['amd64', 'arm64']) {
      const lines: string[] = [];
      const code = await fuzzCommand({ machine, seed: '2', ops: '1000', json: true, out: join(dir, `${machine}.yaml`) }, (s) => lines.push(s));
      expect(code, lines.join('\n')).toBe(0);
      expect(JSON.parse(lines[0]!).ops).toBe(1000);
    }
  }, 60000);
  // Each legacy policy value is found and shrunk, and its fix is clean, in legacy.spec.ts.
});

describe('vmlab fuzz --machine FILE', () => {
  const legacy = join(ROOT, 'examples/machines/amd64-swap-2018.yaml');
  const run = async (machine: string) => {
    const lines: string[] = [];
    const out = join(dir, `machine-${machine.replace(/\W/g, '_')}.yaml`);
    const code = await fuzzCommand({ machine, seed: '2', ops: '200', schedules: '8', json: true, out }, (s) => lines.push(s));
    return { code, doc: JSON.parse(lines[0]!) as { violation: { signature: string; file: string } | null } };
  };

  describe('when the file is the 2018 swap pager order (D15293: swap.readbehind after_unlock)', () => {
    it('should run its policies and find the fault/fork split race the preset does not have', async () => {
      const bug = await run(legacy);
      expect(bug.code).toBe(1);
      expect(bug.doc.violation?.signature).toMatch(/^invariant /);
      const text = readFileSync(bug.doc.violation!.file, 'utf8');
      expect(text).toMatch(/machine: \{ name: amd64-swap-2018, arch: amd64, policies: \{ swap\.readbehind: after_unlock \} \}/);
      const fixed = await runFuzzText(text.replace('swap.readbehind: after_unlock', 'swap.readbehind: before_unlock'));
      expect(fixed.violations).toEqual([]);
      const preset = await run('amd64');
      expect(preset.code).toBe(0);
      expect(preset.doc.violation).toBeNull();
    }, 120000);
  });

  describe('when the file sets abi, cpus, memory and features', () => {
    // abi linux: the Linux races are drawn (process_mrelease racing exit finds locked_stale),
    // FreeBSD's sysarch set_pkru is not (Linux refuses it: EINVAL).
    it('should carry them into the shrunk scenario', async () => {
      const file = join(dir, 'linux-machine.yaml');
      writeFileSync(
        file,
        'name: small-linux\narch: amd64\nabi: linux\ncpus: 3\nphysmem: 32MiB\nfeatures: { pku: true }\npolicies: { exit.mmap: locked_stale }\n',
      );
      const lines: string[] = [];
      const out = join(dir, 'linux-violation.yaml');
      expect(await fuzzCommand({ machine: file, seed: '1', ops: '3000', schedules: '8', json: true, out }, (s) => lines.push(s))).toBe(1);
      expect(JSON.parse(lines.join('\n')).violation.signature).toBe('invariant mrelease_walk');
      const text = readFileSync(out, 'utf8');
      expect(text).toContain(
        `machine: { name: small-linux, arch: amd64, abi: linux, cpus: 3, physmem: ${32 * 1024 * 1024}, features: { pku: true }, policies: { exit.mmap: locked_stale } }`,
      );
    }, 120000);
  });
});

describe('fuzz shadow model', () => {
  const M = '{ name: amd64, arch: amd64 }';
  it('keys: munmap drops them, fork copies keys and the forking thread PKRU, execve clears', async () => {
    const ops: FuzzOp[] = [
      { op: 'spawn', pid: 1 },
      { op: 'mmap', pid: 1, name: 'a', pages: 2, shared: false, file: false },
      { op: 'write', pid: 1, name: 'a', page: 0, word: 0, value: 7 },
      { op: 'key', pid: 1, name: 'a', key: 3, persist: true },
      { op: 'pkey', pid: 1, key: 3, deny: 'write' },
      { op: 'thread', pid: 1 },
      { op: 'read', pid: 1, name: 'a', page: 0, word: 0 },
      { op: 'write', pid: 1, name: 'a', page: 0, word: 0, value: 8 },
      { op: 'pkey', pid: 1, key: 3, deny: 'access' },
      { op: 'race_fork', pid: 1, child: 2, name: 'a', page: 1, word: 0, value: 9 },
      { op: 'swapout', pid: 2 },
      { op: 'read', pid: 2, name: 'a', page: 0, word: 0 },
      { op: 'write', pid: 2, name: 'a', page: 1, word: 0, value: 5 },
      { op: 'read', pid: 1, name: 'a', page: 1, word: 0 },
      { op: 'execve', pid: 2 },
      { op: 'mmap', pid: 2, name: 'b', pages: 1, shared: false, file: false },
      { op: 'write', pid: 2, name: 'b', page: 0, word: 0, value: 6 },
    ];
    const text = scenarioText(ops, M, 'keys');
    // thread 1 copied PKRU (write denied) before access was denied; the child inherits it
    expect(text).toMatch(/read: \{ pid: 1, addr: a\+0x0, expect: \{ value: 0x7 \} \}/);
    expect(text).toMatch(/write: \{ pid: 1, addr: a\+0x0, value: 0x8, expect: \{ signal: SIGSEGV, code: SEGV_ACCERR, pkey: 3 \} \}/);
    expect(text).toMatch(/read: \{ pid: 2, addr: a\+0x0, expect: \{ value: 0x7 \} \}/);
    expect(text).toMatch(/write: \{ pid: 2, addr: a\+0x1000, value: 0x5, expect: \{ signal: SIGSEGV, code: SEGV_ACCERR, pkey: 3 \} \}/);
    expect(text).toMatch(/read: \{ pid: 1, addr: a\+0x1000, expect: \{ signal: SIGSEGV, code: SEGV_ACCERR, pkey: 3 \} \}/);
    expect(text).toMatch(/write: \{ pid: 2, addr: b\+0x0, value: 0x6, expect: \{ ok: true \} \}/);
    const r = await runFuzzText(text);
    expect(r.failures).toEqual([]);
    expect(r.violations).toEqual([]);
  });

  it('address reuse, PROT_NONE and msync: a persistent key outlives munmap, physical removals keep data and keys', async () => {
    const ops: FuzzOp[] = [
      { op: 'spawn', pid: 1 },
      { op: 'mmap', pid: 1, name: 'a', pages: 2, shared: false, file: false },
      { op: 'mmap', pid: 1, name: 'b', pages: 1, shared: false, file: false },
      { op: 'write', pid: 1, name: 'a', page: 1, word: 0, value: 7 },
      { op: 'key', pid: 1, name: 'a', key: 2, persist: false },
      { op: 'key', pid: 1, name: 'b', key: 3, persist: true },
      { op: 'mprotect', pid: 1, name: 'a', prot: 'none' },
      { op: 'read', pid: 1, name: 'a', page: 1, word: 0 },
      { op: 'mprotect', pid: 1, name: 'a', prot: 'rw' },
      { op: 'msync', pid: 1, name: 'a', invalidate: true },
      { op: 'pkey', pid: 1, key: 2, deny: 'write' },
      { op: 'pkey', pid: 1, key: 3, deny: 'all' },
      { op: 'read', pid: 1, name: 'a', page: 1, word: 0 },
      { op: 'write', pid: 1, name: 'a', page: 1, word: 0, value: 8 },
      { op: 'munmap', pid: 1, name: 'a' },
      { op: 'munmap', pid: 1, name: 'b' },
      // the unmapped ranges mapped again at the same addresses (0x20000000 and 0x20003000)
      { op: 'mmap', pid: 1, name: 'c', pages: 2, shared: false, file: false, at: 0x20000000 },
      { op: 'mmap', pid: 1, name: 'd', pages: 1, shared: false, file: false, at: 0x20003000 },
      // not free: c holds it now (the model leaves the op out)
      { op: 'mmap', pid: 1, name: 'e', pages: 1, shared: false, file: false, at: 0x20000000 },
      { op: 'write', pid: 1, name: 'c', page: 1, word: 0, value: 9 },
      { op: 'write', pid: 1, name: 'd', page: 0, word: 0, value: 10 },
      { op: 'read', pid: 1, name: 'c', page: 1, word: 0 },
    ];
    const text = scenarioText(ops, M, 'reuse');
    expect(text).toMatch(/read: \{ pid: 1, addr: a\+0x1000, expect: \{ signal: SIGSEGV, code: SEGV_ACCERR \} \}/);
    expect(text).toMatch(/msync: \{ pid: 1, addr: a, len: 2 pages, flags: \[sync, invalidate\], expect: \{ ok: true \} \}/);
    // msync and PROT_NONE kept both the word and key 2 (write denied, read allowed)
    expect(text).toMatch(/read: \{ pid: 1, addr: a\+0x1000, expect: \{ value: 0x7 \} \}/);
    expect(text).toMatch(/write: \{ pid: 1, addr: a\+0x1000, value: 0x8, expect: \{ signal: SIGSEGV, code: SEGV_ACCERR, pkey: 2 \} \}/);
    expect(text).toMatch(/mmap: \{ pid: 1, addr: 0x20000000, len: 2 pages, prot: rw, flags: \[private, anon, fixed\], as: c \}/);
    expect(text).not.toMatch(/as: e/);
    // munmap dropped the non-persistent key 2; the persistent key 3 applies to the new mapping
    expect(text).toMatch(/write: \{ pid: 1, addr: c\+0x1000, value: 0x9, expect: \{ ok: true \} \}/);
    expect(text).toMatch(/write: \{ pid: 1, addr: d\+0x0, value: 0xa, expect: \{ signal: SIGSEGV, code: SEGV_ACCERR, pkey: 3 \} \}/);
    expect(text).toMatch(/read: \{ pid: 1, addr: c\+0x1000, expect: \{ value: 0x9 \} \}/);
    const r = await runFuzzText(text);
    expect(r.failures).toEqual([]);
    expect(r.violations).toEqual([]);
  });

  it('guards: a call onto a guarded executable page needs a call landing pad; munmap and fork', async () => {
    const ops: FuzzOp[] = [
      { op: 'spawn', pid: 1 },
      { op: 'mmap', pid: 1, name: 't', pages: 1, shared: false, file: false },
      { op: 'write', pid: 1, name: 't', page: 0, word: 0, value: 0xd503245f },
      { op: 'write', pid: 1, name: 't', page: 0, word: 1, value: 0xd503249f },
      { op: 'mprotect', pid: 1, name: 't', prot: 'rx' },
      { op: 'fetch', pid: 1, name: 't', page: 0, word: 1 },
      { op: 'guard', pid: 1, name: 't' },
      { op: 'fork', pid: 1, child: 2 },
      { op: 'swapout', pid: 2 },
      { op: 'fetch', pid: 2, name: 't', page: 0, word: 0 },
      { op: 'fetch', pid: 2, name: 't', page: 0, word: 1 },
      { op: 'fetch', pid: 1, name: 't', page: 0, word: 2 },
    ];
    const text = scenarioText(ops, '{ name: arm64, arch: arm64 }', 'guards');
    expect(text).toMatch(/fetch: \{ pid: 1, addr: t\+0x4, branch: call, expect: \{ value: 0xd503249f \} \}/);
    expect(text).toMatch(/fetch: \{ pid: 2, addr: t\+0x0, branch: call, expect: \{ value: 0xd503245f \} \}/);
    expect(text).toMatch(/fetch: \{ pid: 2, addr: t\+0x4, branch: call, expect: \{ signal: SIGILL, code: ILL_ILLOPC/);
    expect(text).toMatch(/fetch: \{ pid: 1, addr: t\+0x8, branch: call, expect: \{ signal: SIGILL/);
    const r = await runFuzzText(text);
    expect(r.failures).toEqual([]);
    expect(r.violations).toEqual([]);
  });
});

describe('fuzz race kinds by machine', () => {
  const spec = (abi: string, cpus = 2) => ({ ...defaultCatalog().presets.get('amd64')!, abi, cpus }) as Parameters<typeof racesOf>[0];
  it('should draw no new race on the presets unless the campaign names its policy', () => {
    expect([...racesOf(spec('freebsd'), {})]).toEqual([]);
    expect([...racesOf(spec('freebsd'), { 'fault.soft_fast': 'unlock_first' })]).toEqual(['munmap']);
    expect([...racesOf(spec('freebsd'), { 'fault.lock': 'vma_lock_6_4' })]).toEqual(['fork3']);
    expect([...racesOf(spec('freebsd', 1), { 'fault.lock': 'vma_lock_6_4' })]).toEqual([]);
  });

  it('should draw the Linux system calls on abi linux and uvm_map_clean on abi openbsd', () => {
    expect([...racesOf(spec('linux', 3), {})].sort()).toEqual(['fork3', 'mrelease', 'mremap', 'munmap']);
    expect([...racesOf(spec('openbsd', 3), {})].sort()).toEqual(['clean', 'fork3', 'munmap']);
  });

  it("should keep the first generator's workloads when no new race is drawn (seeds 1 to 40 on each arch)", () => {
    // The sha256 of these scenarios as the generator wrote them before the new races.
    const h = createHash('sha256');
    for (const arch of ['amd64', 'arm64', 'none'])
      for (let seed = 1; seed <= 40; seed++)
        h.update(scenarioText(generateOps(new Prng(seed), 200, arch, { races: new Set() }), '{ name: x, arch: amd64 }', 't'));
    expect(h.digest('hex')).toBe('cc832daa63ec8bf10251550426b4eea1059d5e7da717bdaab6c284488ba3f7a9');
  });

  it('should draw every kind it is given, each kept by the model', () => {
    const races = new Set(['munmap', 'fork3', 'mremap', 'mrelease', 'clean'] as const);
    const seen = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) for (const o of generateOps(new Prng(seed), 200, 'none', { races })) seen.add(o.op);
    for (const k of ['race_munmap', 'race_fork3', 'race_mremap', 'race_mrelease', 'race_clean']) expect(seen).toContain(k);
  });
});

describe('fuzz shadow model of the new races', () => {
  const LINUX = '{ name: l, arch: amd64, abi: linux, cpus: 3 }';
  it('fault against munmap, fork against two writers, process_mrelease against exit: what every order gives', async () => {
    const ops: FuzzOp[] = [
      { op: 'spawn', pid: 1 },
      { op: 'spawn', pid: 2 },
      { op: 'mmap', pid: 1, name: 'a', pages: 2, shared: false, file: false },
      { op: 'mmap', pid: 1, name: 'b', pages: 1, shared: false, file: false },
      { op: 'write', pid: 1, name: 'a', page: 1, word: 0, value: 7 },
      { op: 'thread', pid: 1 },
      { op: 'thread', pid: 1, tid: 2 },
      // not in order: tid 2 exists, tid 1 is the only one that may come next after 0
      { op: 'thread', pid: 2, tid: 2 },
      { op: 'write', pid: 1, name: 'a', page: 1, word: 0, value: 8, tid: 1 },
      { op: 'race_fork3', pid: 1, child: 3, name: 'a', page: 1, word1: 0, value1: 9, word2: 1, value2: 10 },
      { op: 'read', pid: 1, name: 'a', page: 1, word: 0 },
      { op: 'read', pid: 1, name: 'a', page: 1, word: 1, tid: 2 },
      { op: 'read', pid: 3, name: 'a', page: 1, word: 0 },
      { op: 'read', pid: 3, name: 'a', page: 1, word: 1 },
      { op: 'race_munmap', pid: 1, name: 'b', page: 0, word: 0 },
      { op: 'read', pid: 1, name: 'b', page: 0, word: 0 },
      { op: 'race_mrelease', pid: 3, by: 2 },
      { op: 'read', pid: 3, name: 'a', page: 1, word: 0 },
    ];
    const text = scenarioText(ops, LINUX, 'races');
    expect(text).not.toMatch(/thread: \{ pid: 2/);
    expect(text).toMatch(/write: \{ pid: 1, tid: 1, addr: a\+0x1000, value: 0x8, expect: \{ ok: true \} \}/);
    expect(text).toMatch(/- - fork: \{ pid: 1, tid: 0, child: 3, expect: \{ ok: true \} \}\n {8}- - write: \{ pid: 1, tid: 1, addr: a\+0x1000, value: 0x9/);
    expect(text).toMatch(/- - write: \{ pid: 1, tid: 2, addr: a\+0x1004, value: 0xa/);
    // the parent has both writes; the child copied each word before or after its write
    expect(text).toMatch(/read: \{ pid: 1, addr: a\+0x1000, expect: \{ value: 0x9 \} \}/);
    expect(text).toMatch(/read: \{ pid: 1, tid: 2, addr: a\+0x1004, expect: \{ value: 0xa \} \}/);
    expect(text).toMatch(/read: \{ pid: 3, addr: a\+0x1000, expect: \{ one_of: \[ \{ value: 0x8 \}, \{ value: 0x9 \} \] \} \}/);
    expect(text).toMatch(/read: \{ pid: 3, addr: a\+0x1004, expect: \{ one_of: \[ \{ value: 0x0 \}, \{ value: 0xa \} \] \} \}/);
    expect(text).toMatch(
      /- - read: \{ pid: 1, tid: 0, addr: b\+0x0, expect: \{ one_of: \[ \{ value: 0x0 \}, \{ signal: SIGSEGV, code: SEGV_MAPERR \} \] \} \}/,
    );
    expect(text).toMatch(/- - process_mrelease: \{ pid: 3, by: 2, expect: \{ one_of: \[ \{ ok: true \}, \{ errno: EINVAL \} \] \} \}/);
    // gone after the race: b unmapped, pid 3 exited
    expect(text).not.toMatch(/read: \{ pid: 1, addr: b/);
    expect(text.match(/read: \{ pid: 3,/g)).toHaveLength(2);
    const r = await runFuzzText(text);
    expect(r.failures).toEqual([]);
    expect(r.violations).toEqual([]);
    expect(r.error).toBeUndefined();
  });

  it('mremap against truncate: the file mapping takes the target name, its pages are SIGBUS, PROT_NONE is SIGSEGV first', async () => {
    const ops: FuzzOp[] = [
      { op: 'spawn', pid: 1 },
      { op: 'spawn', pid: 2 },
      { op: 'mmap', pid: 1, name: 'f', pages: 4, shared: true, file: true },
      { op: 'mmap', pid: 1, name: 'c', pages: 4, shared: false, file: false },
      { op: 'mmap', pid: 2, name: 'b', pages: 1, shared: false, file: false },
      { op: 'thread', pid: 1 },
      { op: 'read', pid: 1, name: 'f', page: 2, word: 0, tid: 1 },
      { op: 'race_mremap', pid: 1, name: 'f', to: 'c', by: 2, byName: 'b', value: 0x77, page: 2 },
      { op: 'read', pid: 1, name: 'c', page: 2, word: 0 },
      { op: 'mprotect', pid: 1, name: 'c', prot: 'r', page: 3, pages: 1 },
      { op: 'write', pid: 1, name: 'c', page: 3, word: 0, value: 1 },
      { op: 'write', pid: 1, name: 'c', page: 0, word: 0, value: 1 },
      { op: 'read', pid: 2, name: 'b', page: 0, word: 0 },
      // the file is gone: no new file mapping
      { op: 'mmap', pid: 1, name: 'g', pages: 4, shared: true, file: true },
    ];
    const text = scenarioText(ops, LINUX, 'mremap');
    expect(text).toMatch(
      /- - mremap: \{ pid: 1, tid: 0, addr: f, old_len: 4 pages, new_len: 4 pages, flags: \[maymove, fixed\], new_addr: c, expect: \{ addr: c \} \}/,
    );
    expect(text).toMatch(/- - truncate: \{ file: \/fuzz\/f, size: 0 \}\n {10}- write: \{ pid: 2, addr: b\+0x0, value: 0x77, expect: \{ ok: true \} \}/);
    expect(text).toMatch(
      /- - read: \{ pid: 1, tid: 1, addr: f\+0x2000, expect: \{ one_of: \[ \{ value: 0xf0f0f0f \}, \{ signal: SIGSEGV \}, \{ signal: SIGBUS \} \] \} \}/,
    );
    expect(text).toMatch(/read: \{ pid: 1, addr: c\+0x2000, expect: \{ signal: SIGBUS \} \}/);
    expect(text).toMatch(/write: \{ pid: 1, addr: c\+0x3000, value: 0x1, expect: \{ signal: SIGSEGV, code: SEGV_ACCERR \} \}/);
    expect(text).toMatch(/write: \{ pid: 1, addr: c\+0x0, value: 0x1, expect: \{ signal: SIGBUS \} \}/);
    expect(text).toMatch(/read: \{ pid: 2, addr: b\+0x0, expect: \{ value: 0x77 \} \}/);
    expect(text).not.toMatch(/as: g/);
    const r = await runFuzzText(text);
    expect(r.failures).toEqual([]);
    expect(r.violations).toEqual([]);
    expect(r.error).toBeUndefined();
  });

  it('msync against a file fault and an mmap (abi openbsd): the new mapping is usable after', async () => {
    const ops: FuzzOp[] = [
      { op: 'spawn', pid: 1 },
      { op: 'mmap', pid: 1, name: 'f', pages: 4, shared: true, file: true },
      { op: 'write', pid: 1, name: 'f', page: 1, word: 2, value: 5 },
      { op: 'pageout', pid: 1, name: 'f' },
      { op: 'thread', pid: 1 },
      { op: 'thread', pid: 1, tid: 2 },
      { op: 'race_clean', pid: 1, name: 'f', page: 1, word: 2, fresh: 'n' },
      { op: 'write', pid: 1, name: 'n', page: 0, word: 0, value: 6 },
      { op: 'read', pid: 1, name: 'n', page: 0, word: 0 },
    ];
    const text = scenarioText(ops, '{ name: o, arch: amd64, abi: openbsd, cpus: 3 }', 'clean');
    expect(text).toMatch(/- - read: \{ pid: 1, tid: 0, addr: f\+0x1008, expect: \{ value: 0x5 \} \}/);
    expect(text).toMatch(/- - msync: \{ pid: 1, tid: 1, addr: f, len: 4 pages, flags: \[sync\], expect: \{ ok: true \} \}/);
    expect(text).toMatch(/- - mmap: \{ pid: 1, tid: 2, addr: 0x20005000, len: 1 page, prot: rw, flags: \[private, anon\], as: n, expect: \{ ok: true \} \}/);
    expect(text).toMatch(/read: \{ pid: 1, addr: n\+0x0, expect: \{ value: 0x6 \} \}/);
    const r = await runFuzzText(text);
    expect(r.failures).toEqual([]);
    expect(r.violations).toEqual([]);
    expect(r.error).toBeUndefined();
  });
});
