import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseMachineFile, parseScenario, ScenarioError, ScenarioErrors } from '@vmlab/lab';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { schemaFiles } from '../../scripts/schema.ts';
import { ROOT } from '../helpers/scenario.ts';

/** Every YAML file under a folder of the repository. */
function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f))
    .sort();
}

/** A scenario has steps; a machine file has none. */
const kindOf = (text: string): 'scenario' | 'machine' => ((parse(text) as Record<string, unknown>).steps !== undefined ? 'scenario' : 'machine');

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = {
  scenario: ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schema/scenario.schema.json'), 'utf8'))),
  machine: ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schema/machine.schema.json'), 'utf8'))),
};

/** What the JSON Schema says of a file's text: the paths it flags. */
function schemaErrors(text: string, kind: 'scenario' | 'machine'): string[] {
  const v = validators[kind];
  return v(parse(text)) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** The parser's messages for a file's text. */
function parserErrors(text: string, kind: 'scenario' | 'machine'): string[] {
  try {
    if (kind === 'scenario') parseScenario(text, 'f.yaml');
    else parseMachineFile(text, 'f.yaml');
    return [];
  } catch (e) {
    if (e instanceof ScenarioErrors) return e.errors.map((x) => x.message);
    if (e instanceof ScenarioError) return [e.message];
    throw e;
  }
}

const FILES = [...yamlFiles('examples'), ...yamlFiles('tests')];

describe('the JSON Schemas of the scenario and machine formats', () => {
  describe('when pnpm schema writes them from the format definition', () => {
    it('should give the committed files, byte for byte (run pnpm schema after changing the format)', () => {
      for (const [file, text] of schemaFiles()) expect(readFileSync(join(ROOT, file), 'utf8'), file).toBe(text);
    });
  });

  describe('when every scenario and machine file of examples/ and tests/ is validated by ajv', () => {
    it.each(FILES)('should accept %s, as the parser does', (file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const kind = kindOf(text);
      expect(parserErrors(text, kind)).toEqual([]);
      expect(schemaErrors(text, kind)).toEqual([]);
    });
  });

  describe('when an example names its schema for the editor', () => {
    it.each(yamlFiles('examples'))('should give %s a yaml-language-server line that points at its schema file', (file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      // The language server reads the document's comments; the last line (the document's trailing
      // comment) keeps every step at the line it had, so positions and outputs are unchanged.
      const m = /^ yaml-language-server: \$schema=(\S+)$/.exec(parseDocument(text).comment ?? '');
      expect(m, file).not.toBeNull();
      const target = resolve(dirname(join(ROOT, file)), m![1]!);
      expect(relative(ROOT, target)).toBe(`schema/${kindOf(text)}.schema.json`);
      expect(existsSync(target)).toBe(true);
    });
  });

  describe('when a file breaks the format', () => {
    const bad: [string, 'scenario' | 'machine', string, RegExp][] = [
      ['an unknown top-level key', 'scenario', 'name: x\nstep: []\nsteps: []\n', /unknown key 'step' in a scenario \(did you mean 'steps'\?\)/],
      ['an unknown operation', 'scenario', 'name: x\nsteps:\n  - mmapp: { pid: 1 }\n', /unknown operation 'mmapp' \(did you mean 'mmap'\?\)/],
      ['an unknown argument', 'scenario', 'name: x\nsteps:\n  - spawn: { pid: 1, cpuu: 0 }\n', /unknown argument 'cpuu' for spawn \(did you mean 'cpu'\?\)/],
      ['a step missing a required argument', 'scenario', 'name: x\nsteps:\n  - munmap: { pid: 1, addr: 0x1000 }\n', /munmap is missing 'len'/],
      ['a value of the wrong kind', 'scenario', 'name: x\nsteps:\n  - mprotect: { pid: 1, addr: 0x1000, len: 1 page, prot: rwz }\n', /bad prot/],
      ['a step of two operations', 'scenario', 'name: x\nsteps:\n  - spawn: { pid: 1 }\n    exit: { pid: 1 }\n', /a step is a one-key map/],
      ['an enum value not in the list', 'scenario', 'name: x\nsteps:\n  - madvise: { pid: 1, addr: 0, len: 1, advice: dontneeed }\n', /bad advice/],
      ['no steps', 'scenario', 'name: x\n', /has no steps/],
      ['a machine without arch', 'machine', 'name: m\ncpus: 2\n', /has no arch/],
      ['a machine with a misspelt key', 'machine', 'arch: amd64\npolicis: {}\n', /unknown key 'policis' in a machine \(did you mean 'policies'\?\)/],
    ];
    it.each(bad)('should be flagged by the schema and by the parser (%s)', (_what, kind, text, message) => {
      expect(schemaErrors(text, kind)).not.toEqual([]);
      expect(parserErrors(text, kind).join('\n')).toMatch(message);
    });
  });
});
