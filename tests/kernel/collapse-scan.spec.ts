import { describe, expect, it } from 'vitest';
import { problems, runText } from '../helpers/scenario.ts';

/**
 * The collapse that sleeps in its scan (FreeBSD vm_object_collapse_scan_wait, from fork's
 * vm_map_copy_entry) and what the paths that run meanwhile see (`collapse.scan`, D6085):
 * A, shared by the parent and child 3, is backed by B, shared with child 2 until it exits;
 * page 1 lives only in B, on swap, and child 3's thread 0 is reading it in.
 */
const race = (policy: string, fourth: string, schedule: string) => `
name: fork's collapse scan asleep on a busy page
machine: { arch: amd64, policies: { collapse.scan: ${policy} } }
steps:
  - spawn: { pid: 1 }
  - thread: { pid: 1, tid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: buf }
  - write: { pid: 1, addr: buf, value: 0x100 }
  - write: { pid: 1, addr: buf+1 page, value: 0x101 }
  - pageout: { pid: 1, addr: buf+1 page, len: 1 page, expect: { pages: 1 } }
  - fork: { pid: 1, child: 2 }
  - write: { pid: 1, addr: buf, value: 0x200 }
  - fork: { pid: 1, child: 3 }
  - thread: { pid: 3, tid: 1 }
  - concurrent:
      threads:
        - - read: { pid: 3, tid: 0, addr: buf+1 page, expect: { value: 0x101 } }
        - - exit: { pid: 2, expect: { ok: true } }
          - fork: { pid: 1, tid: 1, child: 4, expect: { ok: true } }
        - ${fourth}
      schedule: ${schedule}
  - check: { object: { pid: 3, addr: buf+1 page }, expect: { object: { depth: 0 } } }
  - read: { pid: 4, addr: buf+1 page, expect: { value: 0x101 } }
`;

/** The outcome of the read that `concurrent` thread `t` ran. */
function readBy(r: { steps: { op: string; thread?: number; outcome: unknown }[] }, t: number): unknown {
  return r.steps.find((s) => s.op === 'read' && s.thread === t)?.outcome;
}

const readRace = (policy: string) => race(policy, '- read: { pid: 3, tid: 1, addr: buf+1 page }', '[0, 1, 1, 2, 0, 1, 2]');
const forkRace = (policy: string) => race(policy, '- fork: { pid: 3, tid: 1, child: 5, expect: { ok: true } }', '[0, 1, 1, 2, 0, 1, 2]');

describe('collapse.scan', () => {
  describe('when a fault walks into the backing object while the scan sleeps on the page being read in', () => {
    it('collapsing: the fault waits for the collapse (vmf_de) and then finds the page moved up into A', async () => {
      const r = await runText(readRace('collapsing'));
      expect(problems(r)).toBe('');
      const reasons = r.schedule.map((p) => p.reason);
      expect(reasons).toContain('vm_object_collapse_scan: page busy');
      expect(reasons).toContain('vm_fault: object being collapsed (vmf_de)');
      expect(readBy(r, 0)).toEqual({ value: 0x101 });
      expect(readBy(r, 2)).toEqual({ value: 0x101 });
    });

    it('dead_only: the fault stops at the object marked dead, a SIGSEGV for a mapped, readable page', async () => {
      const r = await runText(readRace('dead_only'));
      expect(r.violations).toEqual([]);
      expect(r.schedule.map((p) => p.reason)).toContain('vm_object_collapse_scan: page busy');
      expect(readBy(r, 2)).toMatchObject({ signal: 'SIGSEGV' });
      expect(readBy(r, 0)).toEqual({ value: 0x101 });
    });
  });

  describe("when another fork's collapse meets the backing object the sleeping scan marked", () => {
    it('collapsing: it waits for that collapse to settle (vm_object_backing_collapse_wait), then both forks complete', async () => {
      const r = await runText(forkRace('collapsing'));
      expect(problems(r)).toBe('');
      expect(r.schedule.map((p) => p.reason)).toContain('vm_object_collapse: backing object collapsing');
    });

    it('dead_only: it gives up on the dead backing object at once; the page-in fault, retrying after that fork changed the map, walks into the dead object: SIGSEGV', async () => {
      const r = await runText(forkRace('dead_only'));
      expect(r.violations).toEqual([]);
      expect(r.schedule.map((p) => p.reason)).not.toContain('vm_object_collapse: backing object collapsing');
      expect(readBy(r, 0)).toMatchObject({ signal: 'SIGSEGV' });
    });
  });
});
