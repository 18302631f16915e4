import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand } from '@vmlab/cli';
import { defaultCatalog, parseLog, replayLog } from '@vmlab/lab';
import { EXAMPLES } from '../helpers/scenario.ts';

/**
 * The BSD races of the benchmark added with their kernel paths (examples/races/README.md):
 * bound-2 dfs finds each legacy form's violation (verified by a run of the schedule it
 * prints, and the log replays), and finds each fixed form clean and complete.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmlab-races-bsd-'));

async function exploreJson(file: string) {
  const lines: string[] = [];
  const code = await exploreCommand(resolve(EXAMPLES, file), { json: true, log: join(dir, `${file.replace(/\//g, '_')}.jsonl`) }, (s) => lines.push(s));
  return { code, doc: JSON.parse(lines.join('\n')) };
}

interface Found {
  invariants: string[];
  message?: string;
  verified: boolean;
  log: string;
}

async function legacyViolation(file: string): Promise<Found> {
  const { code, doc } = await exploreJson(file);
  expect(code).toBe(0);
  const m = doc.machines.find((x: { violation?: unknown }) => x.violation !== undefined);
  expect(m, `${file}: no machine reported a violation`).toBeDefined();
  const v = m.violation as Found;
  expect(v.verified).toBe(true);
  const rep = await replayLog(parseLog(readFileSync(v.log, 'utf8'), v.log), defaultCatalog());
  expect(rep.identical).toBe(true);
  return v;
}

async function expectClean(file: string): Promise<void> {
  const { code, doc } = await exploreJson(file);
  expect(code).toBe(0);
  for (const m of doc.machines) {
    expect(m.violation, `${file} on ${m.name}`).toBeUndefined();
    expect(m.complete).toBe(true);
    expect(m.schedules).toBeGreaterThan(1);
  }
}

describe('the uvm_map_clean deadlock (NetBSD PR 56952)', () => {
  it('read_locked: a deadlock, reported with the fault/msync wait-for cycle', async () => {
    const v = await legacyViolation('races/uvm-map-clean-deadlock/legacy.yaml');
    expect(v.invariants).toContain('deadlock');
    const msg = JSON.stringify(v);
    expect(msg).toMatch(/uvmfault_relock/);
    expect(msg).toMatch(/uvn_flush: page busy/);
    expect(msg).toMatch(/wait-for cycle: thread 0 waits on map held by thread 1, thread 1 waits on busy page \(object \d+, index 0\) held by thread 0/);
  });
  it('busy: clean to the default bound', async () => {
    await expectClean('races/uvm-map-clean-deadlock/fixed.yaml');
  });
});

describe('the vm_fault_soft_fast unbusy race (FreeBSD D38527)', () => {
  it('unlock_first: the munmap in the window terminates the object the fault then unbusies', async () => {
    const v = await legacyViolation('races/d38527-soft-fast/legacy.yaml');
    expect(v.invariants).toContain('object_use_after_free');
    expect(JSON.stringify(v)).toMatch(/vm_fault_soft_fast unbusied object \d+ after it was terminated/);
  });
  it('unbusy_first: clean to the default bound', async () => {
    await expectClean('races/d38527-soft-fast/fixed.yaml');
  });
});

describe('the collapse scan racing fork and a fault (FreeBSD D6085)', () => {
  it('dead_only: a fault walks into the backing object the sleeping scan marked dead and gets a spurious SIGSEGV', async () => {
    const v = await legacyViolation('races/d6085-collapse/legacy.yaml');
    expect(v.invariants).toContain('expectation');
    expect(v.message).toMatch(/read: value: expected 0x101, got \(absent\)/);
    // The schedule it found: fork's collapse sleeps in its scan, then child 3's second
    // thread faults on the page and gets a signal; the collapse completes afterwards.
    const log = readFileSync(v.log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; reason?: string; event?: { kind: string; pid?: number; tid?: number; outcome?: string } });
    const sleep = log.findIndex((r) => r.type === 'sched' && r.reason === 'vm_object_collapse_scan: page busy');
    expect(sleep).toBeGreaterThan(0);
    const segv = log.findIndex((r) => r.event?.kind === 'fault' && r.event.pid === 3 && r.event.tid === 1 && r.event.outcome === 'signal');
    const collapse = log.findIndex((r) => r.event?.kind === 'object_collapse');
    expect(segv).toBeGreaterThan(sleep);
    expect(collapse).toBeGreaterThan(segv);
  });
  it('collapsing: clean to the default bound', async () => {
    await expectClean('races/d6085-collapse/fixed.yaml');
  });
});
