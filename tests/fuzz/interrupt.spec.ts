import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progressShown } from '@vmlab/lab';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

// The command as installed (bin/vmlab.js) run from a folder outside the repository, on the sources.
const BIN = join(ROOT, 'packages/cli/bin/vmlab.js');
const ENV = { ...process.env, VMLAB_FROM_SOURCE: '1' };
const DIR = mkdtempSync(join(tmpdir(), 'vmlab-interrupt-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs vmlab from the sources in DIR; once it says Ctrl-C is handled and `ready()` holds (a
 * file it wrote exists), sends it one SIGINT, and gives what it printed and its exit code.
 */
/** What the child being interrupted has printed on stderr so far (for a ready() predicate). */
const r0 = { err: '', stderr: () => r0.err };

function interrupted(args: string[], ready: () => boolean = () => true): Promise<Ended> {
  r0.err = '';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: DIR,
      env: { ...ENV, VMLAB_SAY_INTERRUPTIBLE: '1', CI: 'true' },
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const poll = setInterval(() => {
      if (!sent && stderr.includes('vmlab: interruptible') && ready()) {
        sent = true;
        child.kill('SIGINT');
      }
    }, 50);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      r0.err = stderr;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('Ctrl-C during fuzz', () => {
  describe('when a long campaign receives SIGINT', () => {
    it('should stop at a run boundary, print the JSON summary so far with how to continue, and exit 130', async () => {
      const r = await interrupted(['fuzz', '--ops', '100000000', '--seed', '7', '--json']);
      expect(r.stderr).toContain('stopping at the next run boundary');
      expect(r.code).toBe(130);
      const doc = JSON.parse(r.stdout) as { interrupted: boolean; nextRun: number; runs: number; ops: number; violation: null; continueWith: string };
      expect(doc.interrupted).toBe(true);
      expect(doc.violation).toBeNull();
      expect(doc.runs).toBe(doc.nextRun);
      expect(doc.ops).toBe(doc.runs * 200);
      expect(doc.continueWith).toBe(`vmlab fuzz --machine amd64 --seed 7 --ops 100000000 --from-run ${doc.nextRun}`);

      // the campaign goes on from there: two more runs of 200 operations
      const next = spawnSync(
        process.execPath,
        [BIN, 'fuzz', '--seed', '7', '--ops', String((doc.nextRun + 2) * 200), '--from-run', String(doc.nextRun), '--json'],
        { cwd: DIR, encoding: 'utf8', env: { ...ENV, CI: 'true' } },
      );
      expect(next.status).toBe(0);
      const more = JSON.parse(next.stdout) as { runs: number; ops: number; nextRun: number };
      expect([more.runs, more.ops]).toEqual([2, 400]);
    }, 300_000);
  });

  describe('when the text summary is printed', () => {
    it('should say it was interrupted, at which run, and the command that continues', async () => {
      const r = await interrupted(['fuzz', '--ops', '100000000', '--machine', 'arm64']);
      expect(r.code).toBe(130);
      expect(r.stdout).toMatch(/no violation so far/);
      expect(r.stdout).toMatch(
        /interrupted \(Ctrl-C\) after (\d+) runs, at run \1; to continue: vmlab fuzz --machine arm64 --seed 1 --ops 100000000 --from-run \1/,
      );
    }, 300_000);
  });
});

describe('Ctrl-C during fuzz, after a run failed', () => {
  describe('when SIGINT arrives while the failing run is shrunk', () => {
    it('should write the violation as far as it is shrunk, print it, and exit 130', async () => {
      const out = join(DIR, 'found.yaml');
      const r = await interrupted(
        ['fuzz', '--policy', 'madvise.free_on_shadow=apply', '--seed', '2', '--ops', '30000', '--ops-per-run', '3000', '--out', out, '--json'],
        () => r0.stderr().includes('shrinking it'),
      );
      expect(r.code, r.stderr).toBe(130);
      const doc = JSON.parse(r.stdout) as {
        interrupted: boolean;
        violation: { file: string; signature: string; shrinkInterrupted: boolean; shrunkOps: number };
      };
      expect(doc.interrupted).toBe(true);
      expect(doc.violation.shrinkInterrupted).toBe(true);
      expect(doc.violation.file).toBe(out);
      expect(doc.violation.signature).toBe('expectation of read');
      // the file written is a scenario that fails as the campaign did
      const again = spawnSync(process.execPath, [BIN, 'run', out], { cwd: DIR, encoding: 'utf8', env: { ...ENV, CI: 'true' } });
      expect(again.status).toBe(1);
    }, 300_000);
  });
});

describe('Ctrl-C during explore', () => {
  describe('when SIGINT arrives during a long search', () => {
    it('should print the summary so far with the seed and how to run it again, write --json, and exit 130', async () => {
      const file = join(ROOT, 'examples/races/d15293-swap-split/fixed.yaml');
      const r = await interrupted(['explore', file, '--strategy', 'random', '--runs', '100000000', '--seed', '5', '--accept-estimate', '--json']);
      expect(r.code, r.stderr).toBe(130);
      const doc = JSON.parse(r.stdout) as {
        interrupted: boolean;
        continueWith: string;
        machines: { schedules: number; timedOut?: boolean; violation?: unknown }[];
      };
      expect(doc.interrupted).toBe(true);
      expect(doc.continueWith).toBe(`vmlab explore ${file} --strategy random --bound 2 --seed 5 --runs 100000000`);
      expect(doc.machines).toHaveLength(1);
      expect(doc.machines[0]!.timedOut).toBe(true);
      expect(doc.machines[0]!.violation).toBeUndefined();
    }, 300_000);

    it('should say so in the text summary', async () => {
      const file = join(ROOT, 'examples/races/d15293-swap-split/fixed.yaml');
      const r = await interrupted(['explore', file, '--strategy', 'random', '--runs', '100000000', '--accept-estimate']);
      expect(r.code, r.stderr).toBe(130);
      expect(r.stdout).toMatch(/clean after \d+ schedules? \(interrupted \(Ctrl-C\): not every schedule/);
      expect(r.stdout).toMatch(/expected clean: not known \(interrupted\)/);
      expect(r.stdout).toMatch(/interrupted \(Ctrl-C\) after \d+ schedules? \(seed 1\); a search starts over when run again: vmlab explore /);
    }, 300_000);
  });
});

describe('progress bars', () => {
  describe('when the command runs with CI=true, with --json, or with stderr not a terminal', () => {
    it('should show none', () => {
      expect(progressShown(false, { CI: 'true' }, true)).toBe(false);
      expect(progressShown(true, {}, true)).toBe(false);
      expect(progressShown(false, {}, false)).toBe(false);
      expect(progressShown(false, {}, true)).toBe(true);
    });

    it('should leave stderr of a fuzz run through a pipe empty', () => {
      const r = spawnSync(process.execPath, [BIN, 'fuzz', '--ops', '400'], {
        cwd: DIR,
        encoding: 'utf8',
        env: { ...ENV, CI: '' },
      });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/400 operations in 2 runs, no violation/);
    }, 120_000);
  });
});
