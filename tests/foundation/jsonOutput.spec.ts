import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

// Real --json output of the vmlab command, validated against schema/output/.
const TMP = mkdtempSync(join(tmpdir(), 'vmlab-json-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const ajv = new Ajv2020({ allErrors: true, strict: false });
const DIR = join(ROOT, 'schema/output');
for (const f of readdirSync(DIR)) ajv.addSchema(JSON.parse(readFileSync(join(DIR, f), 'utf8')) as object, f);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;

function vmlab(...args: string[]): { code: number; doc: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/vmlab.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status ?? -1, doc: JSON.parse(r.stdout) as Record<string, unknown> };
}

function valid(schema: string, doc: unknown): string[] {
  const v = ajv.getSchema(`${schema}.schema.json`)!;
  return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const log = join(TMP, 'run.jsonl');
const cases: [string, string[], number][] = [
  ['run', ['run', 'examples/fork-inherit.yaml', '--json', '--log', log], 0],
  ['compare', ['compare', 'examples/pkru-swapout.yaml', '--json'], 0],
  ['replay', ['replay', log, '--json'], 0],
  ['explore', ['explore', 'examples/races/d15293-swap-split/legacy.yaml', '--json', '--log', join(TMP, 'x.jsonl')], 0],
  ['fuzz', ['fuzz', '--ops', '400', '--json', '--out', join(TMP, 'f.yaml')], 0],
  ['fuzz', ['fuzz', '--policy', 'madvise.free_on_shadow=apply', '--seed', '2', '--ops', '3000', '--json', '--out', join(TMP, 'v.yaml')], 1],
  ['policies', ['policies', '--json'], 0],
  ['machines', ['machines', '--json'], 0],
  ['error', ['run', 'no-such-file.yaml', '--json'], 2],
];

describe('vmlab --json', () => {
  describe.each(cases)('when %s runs (%j)', (schema, args, code) => {
    it('should print a document its schema in schema/output/ accepts, with the envelope', () => {
      const r = vmlab(...args);
      expect(r.code).toBe(code);
      expect(valid(schema, r.doc)).toEqual([]);
      expect(r.doc).toMatchObject({ schemaVersion: 1, vmlab: VERSION, command: args[0] });
    }, 240_000);
  });

  describe('when a document lacks a field its schema requires', () => {
    it('should be refused (the schemas are not vacuous)', () => {
      const r = vmlab('policies', '--json');
      expect(valid('policies', { ...r.doc, policies: undefined })).not.toEqual([]);
      expect(valid('run', { schemaVersion: 1, vmlab: VERSION, command: 'run' })).not.toEqual([]);
      expect(valid('envelope', { ...r.doc, schemaVersion: 2 })).not.toEqual([]);
    });
  });
});
