import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzCommand, runFuzzText } from '../../packages/cli/src/commands/fuzz.ts';

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

  it('finds and shrinks the madvise.free_on_shadow=apply bug to a file run fails', async () => {
    const out = join(dir, 'legacy.yaml');
    const lines: string[] = [];
    const code = await fuzzCommand({ policy: ['madvise.free_on_shadow=apply'], seed: '2', ops: '3000', json: true, out }, (s) => lines.push(s));
    expect(code).toBe(1);
    const doc = JSON.parse(lines[0]!);
    expect(doc.violation.shrunkOps).toBeLessThan(12);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/advice: free/);
    const r = await runFuzzText(text);
    expect(r.failures.length + r.violations.length).toBeGreaterThan(0);
    // the same file under the default (skip) holds
    const fixed = await runFuzzText(text.replace('madvise.free_on_shadow: apply', 'madvise.free_on_shadow: skip'));
    expect(fixed.failures).toEqual([]);
    expect(fixed.violations).toEqual([]);
  }, 60000);
});
