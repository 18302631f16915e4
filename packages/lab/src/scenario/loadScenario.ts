import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Catalog, type MachineSpec, didYouMean } from '@vmlab/core';
import type { MachineRef, Scenario, Step } from './ast.ts';
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
        throw new InputError(
          `${ref.pos.file}:${ref.pos.line}:${ref.pos.col}: unknown machine '${ref.name}'; presets: ${[...catalog.presets.keys()].join(', ')} (or give a path to a machine file)`,
        );
      }
      return { name: ref.name, spec: p };
    }
    case 'path': {
      const path = resolve(base, ref.path);
      const at = `${ref.pos.file}:${ref.pos.line}:${ref.pos.col}`;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError(
          `${at}: machine file ${ref.path} ${code === 'ENOENT' ? `does not exist (looked for ${path})` : code === 'EISDIR' ? 'is a folder' : `cannot be read: ${code ?? (e as Error).message}`}; or name a preset: ${[...catalog.presets.keys()].join(', ')}`,
        );
      }
      try {
        const spec = parseMachineFile(text, path);
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
  const own = fileMachines(s, catalog);
  const run = override !== undefined && override.length > 0 ? override.map((w) => machineFromWord(w, catalog)) : own;
  checkExpectOn(
    s,
    [...own, ...run].map((m) => m.name),
  );
  return run;
}

/** The file's own machines (`machine` or `machines`), else amd64. */
function fileMachines(s: Scenario, catalog: Catalog): NamedMachine[] {
  const base = dirname(resolve(s.file));
  if (s.machines !== undefined) return s.machines.map((r) => resolveMachineRef(r, catalog, base));
  if (s.machine !== undefined) return [resolveMachineRef(s.machine, catalog, base)];
  return [{ name: 'amd64', spec: catalog.presets.get('amd64')! }];
}

/** An `expect_on` naming a machine neither the file nor the command line runs would never be checked. */
function checkExpectOn(s: Scenario, names: readonly string[]): void {
  const visit = (steps: readonly Step[]): void => {
    for (const st of steps) {
      for (const [name, x] of Object.entries(st.expectOn ?? {})) {
        if (!names.includes(name)) {
          throw new InputError(
            `${x.pos.file}:${x.pos.line}:${x.pos.col}: expect_on names machine '${name}', which this file does not run on${didYouMean(name, names)}; machines: ${[...new Set(names)].join(', ')}`,
          );
        }
      }
      const threads = st.op === 'concurrent' ? st.args.threads : undefined;
      if (Array.isArray(threads)) for (const t of threads) if (Array.isArray(t)) visit(t as Step[]);
    }
  };
  visit(s.steps);
}
