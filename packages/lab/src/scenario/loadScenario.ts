import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Catalog, MachineSpec } from '@vmlab/core';
import type { MachineRef, Scenario } from './ast.ts';
import { parseMachineFile, parseScenario } from './parseScenario.ts';
import { ScenarioError } from './ScenarioError.ts';
import { InputError } from './InputError.ts';


export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function loadScenario(file: string): Scenario {
  try {
    return parseScenario(readText(file), file);
  } catch (e) {
    if (e instanceof ScenarioError) throw new InputError(e.message);
    throw e;
  }
}

export interface NamedMachine {
  name: string;
  spec: MachineSpec;
}

/** Resolves a preset name, a machine file path (relative to `base`), or an inline machine. */
export function resolveMachineRef(ref: MachineRef, catalog: Catalog, base: string): NamedMachine {
  switch (ref.kind) {
    case 'preset': {
      const p = catalog.presets.get(ref.name);
      if (p === undefined) {
        throw new InputError(`${ref.pos.file}:${ref.pos.line}:${ref.pos.col}: unknown machine '${ref.name}'; presets: ${[...catalog.presets.keys()].join(', ')} (or give a path to a machine file)`);
      }
      return { name: ref.name, spec: p };
    }
    case 'path': {
      const path = resolve(base, ref.path);
      try {
        const spec = parseMachineFile(readText(path), path);
        return { name: spec.name ?? ref.path, spec };
      } catch (e) {
        if (e instanceof ScenarioError) throw new InputError(e.message);
        throw e;
      }
    }
    case 'inline':
      return { name: ref.spec.name ?? ref.spec.arch, spec: ref.spec };
  }
}

/** A `--machine`/`--machines` word: a preset or a path. */
export function machineFromWord(word: string, catalog: Catalog): NamedMachine {
  const pos = { file: '<command line>', line: 1, col: 1 };
  const isPath = word.includes('/') || /\.(ya?ml|json)$/.test(word);
  return resolveMachineRef(isPath ? { kind: 'path', path: word, pos } : { kind: 'preset', name: word, pos }, catalog, process.cwd());
}

/** The machines a scenario runs on: the option's, else the file's (`machine` or `machines`), else amd64. */
export function scenarioMachines(s: Scenario, catalog: Catalog, override: string[] | undefined): NamedMachine[] {
  if (override !== undefined && override.length > 0) return override.map((w) => machineFromWord(w, catalog));
  const base = dirname(resolve(s.file));
  if (s.machines !== undefined) return s.machines.map((r) => resolveMachineRef(r, catalog, base));
  if (s.machine !== undefined) return [resolveMachineRef(s.machine, catalog, base)];
  return [{ name: 'amd64', spec: catalog.presets.get('amd64')! }];
}
