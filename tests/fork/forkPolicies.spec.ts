import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCatalog } from '@vmlab/lab';
import { resolveSpec } from '@vmlab/core';
import { describe, expect, it } from 'vitest';
import { problems, ROOT, runScenario, scenarioFrom } from '../helpers/scenario.ts';

/**
 * fork.copy and fault.pager_relock (docs/policies.md): the two UVM-versus-FreeBSD choices of
 * fork and of a fault after pager I/O, as policies whose default follows the ABI. Each
 * scenario crosses the values with the ABIs: what a machine does follows the value it runs,
 * and the same value gives the same run (outcomes, counters, event log) under either ABI.
 */
async function run(file: string) {
  const path = join(ROOT, 'tests/fork', file);
  const reports = await runScenario(scenarioFrom(readFileSync(path, 'utf8'), path));
  for (const r of reports) expect(problems(r), `${file} on ${r.machine}`).toBe('');
  return new Map(reports.map((r) => [r.machine!, r]));
}

describe('fork.copy and fault.pager_relock defaults', () => {
  it('should follow the ABI (UVM values under openbsd only) and yield to a machine that names a value', () => {
    const c = defaultCatalog();
    const base = c.presets.get('amd64')!;
    for (const [abi, fork, relock] of [
      ['freebsd', 'split', 'restart'],
      ['linux', 'split', 'restart'],
      ['openbsd', 'share_amap', 'relock_busy'],
    ] as const) {
      const p = resolveSpec({ ...base, abi }, c).policies;
      expect([p['fork.copy'], p['fault.pager_relock']], abi).toEqual([fork, relock]);
    }
    const crossed = resolveSpec({ ...base, abi: 'openbsd', policies: { 'fork.copy': 'split', 'fault.pager_relock': 'restart' } }, c).policies;
    expect([crossed['fork.copy'], crossed['fault.pager_relock']]).toEqual(['split', 'restart']);
    expect(() => resolveSpec({ ...base, policies: { 'fork.copy': 'amap' } }, c)).toThrow(/no value 'amap'/);
  });
});

describe('fork.copy', () => {
  describe('when an anonymous mapping clipped in two (one object, two entries) is forked', () => {
    it('should split the object under split and share it under share_amap, on either ABI, with the same data seen', async () => {
      const runs = await run('fork-copy.yaml');
      expect([...runs.keys()]).toEqual(['freebsd', 'freebsd-share', 'openbsd', 'openbsd-split']);
      const splits = (m: string) => runs.get(m)!.events.object_split ?? 0;
      expect(runs.get('freebsd')!.counters.forks).toBe(1);
      // The value decides, not the ABI: the same value gives the same run.
      expect(runs.get('openbsd-split')!.fingerprint).toBe(runs.get('freebsd')!.fingerprint);
      expect(runs.get('freebsd-share')!.fingerprint).toBe(runs.get('openbsd')!.fingerprint);
      expect(runs.get('freebsd')!.fingerprint).not.toBe(runs.get('openbsd')!.fingerprint);
      expect([...runs.keys()].map(splits)).toEqual([1, 0, 0, 1]);
    });
  });
});

describe('fault.pager_relock', () => {
  describe('when a write fault that paged in from swap races a fork, on one schedule', () => {
    it('should let fork run between the I/O and the relock under relock_busy (the write lands after fork, copy-on-write) and not under restart, on either ABI', async () => {
      const runs = await run('pager-relock-fork.yaml');
      const reasons = (m: string) => runs.get(m)!.schedule.map((p) => p.reason);
      for (const m of ['relock_busy', 'openbsd']) {
        expect(reasons(m), m).toEqual(['start', 'swap_pager_getpages: wait for buffer', 'uvm_fault: pager I/O', 'done']);
        // The fault saw the map changed by fork and faulted again, copy-on-write now.
        expect(runs.get(m)!.counters.cow_copies, m).toBe(1);
      }
      for (const m of ['restart', 'openbsd-restart']) {
        expect(reasons(m), m).toEqual(['start', 'swap_pager_getpages: wait for buffer', 'done']);
        expect(runs.get(m)!.counters.cow_copies ?? 0, m).toBe(0);
      }
      expect(runs.get('openbsd-restart')!.fingerprint).toBe(runs.get('restart')!.fingerprint);
      expect(runs.get('openbsd')!.fingerprint).toBe(runs.get('relock_busy')!.fingerprint);
    });
  });
});
