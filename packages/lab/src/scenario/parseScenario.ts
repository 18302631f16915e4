/**
 * The scenario parser (SCENARIO.md). It walks the YAML node tree rather than the plain JS
 * value so that every problem carries the line and column where it was written, collects
 * every problem it finds, and throws them together; a file that parses is fully validated
 * and normalised (sizes in bytes, prot canonical, addresses as expressions).
 */
import type { Node } from 'yaml';
import type { ExploreSpec, FileSpec, MachineSpec, Scenario } from './ast.ts';
import { checkFormat } from './checkFormat.ts';
import { KEYS, Machine, Scenario as ScenarioFormat } from './format.ts';
import { parseMachineList, parseMachineRef, parseMachineSpec } from './parseMachine.ts';
import { parseSteps } from './parseSteps.ts';
import { scenarioErrorOf } from './ScenarioError.ts';
import { parseEnum, parseSize, parseU32 } from './values.ts';
import { type Entry, Walker } from './Walker.ts';

const TOP_KEYS = KEYS.scenario;
const FILE_KEYS = KEYS.file;
const EXPLORE_KEYS = KEYS.explore;

export interface ParseOptions {
  /**
   * Check the file against the format's definition once the parser has accepted it (format.ts,
   * checkFormat.ts); default true. vmlab's own generated text (a fuzz run's) skips it.
   */
  format?: boolean;
}

/** Parse and validate a scenario file; throws ScenarioError (or ScenarioErrors for several). */
export function parseScenario(text: string, file: string, o: ParseOptions = {}): Scenario {
  let w: Walker | undefined;
  return Walker.stopsAtLimit(
    () => {
      w = new Walker(text, file);
      return parseScenarioWith(w, file, o.format !== false);
    },
    () => w,
  );
}

function parseScenarioWith(w: Walker, file: string, format: boolean): Scenario {
  w.throwIfErrors();
  const root = w.deref(w.doc.contents);
  if (root === null) w.error(null, 'the scenario is empty; it needs at least name and steps');
  const top = root === null ? undefined : w.guard(() => w.map(root, 'a scenario'));
  if (top === undefined) throw scenarioErrorOf(w.errors);

  const entries = w.entries(top);
  w.onlyKeys(entries, TOP_KEYS, 'a scenario');
  const get = (k: string): Entry | undefined => entries.find((e) => e.key === k);

  const scenario: Scenario = { name: '', file, files: [], steps: [] };
  const name = get('name');
  if (name === undefined) w.error(top, 'the scenario has no name; add name: ...');
  else scenario.name = w.guard(() => w.scalarText(name.value, 'name')) ?? '';

  const machine = get('machine');
  const machines = get('machines');
  if (machine !== undefined && machines !== undefined) {
    w.error(machines.keyNode, 'give either machine: or machines:, not both');
  } else if (machine !== undefined) {
    scenario.machine = w.guard(() => parseMachineRef(w, machine.value, machine.keyNode, false));
  } else if (machines !== undefined) {
    scenario.machines = w.guard(() => parseMachineList(w, machines.value, machines.keyNode));
  }

  const files = get('files');
  if (files !== undefined) scenario.files = w.guard(() => parseFiles(w, files.value, files.keyNode)) ?? [];

  const explore = get('explore');
  if (explore !== undefined) scenario.explore = w.guard(() => parseExplore(w, explore.value, explore.keyNode));

  const steps = get('steps');
  if (steps === undefined) w.error(top, 'the scenario has no steps; add steps: [...]');
  else scenario.steps = w.guard(() => parseSteps(w, steps.value, steps.keyNode, false)) ?? [];

  w.throwIfErrors();
  if (format) {
    checkFormat(w, ScenarioFormat, 'scenario');
    w.throwIfErrors();
  }
  return scenario;
}

/** Parse and validate a standalone machine file (SCENARIO.md "Machine"); `name` is optional. */
export function parseMachineFile(text: string, file: string): MachineSpec {
  let w: Walker | undefined;
  return Walker.stopsAtLimit(
    () => {
      w = new Walker(text, file);
      return parseMachineFileWith(w);
    },
    () => w,
  );
}

function parseMachineFileWith(w: Walker): MachineSpec {
  w.throwIfErrors();
  const root = w.deref(w.doc.contents);
  if (root === null) w.error(null, 'the machine file is empty; it needs at least arch');
  const spec = root === null ? undefined : w.guard(() => parseMachineSpec(w, root, root, false));
  w.throwIfErrors();
  checkFormat(w, Machine, 'machine');
  w.throwIfErrors();
  return spec!;
}

function parseFiles(w: Walker, node: Node | null, anchor: Node): FileSpec[] {
  const seq = w.seq(node, 'files', anchor);
  const out: FileSpec[] = [];
  const paths = new Set<string>();
  for (const item of seq.items) {
    const n = w.deref(item);
    w.guard(() => {
      const map = w.map(n, 'a file', seq);
      const entries = w.entries(map);
      w.onlyKeys(entries, FILE_KEYS, 'a file');
      const get = (k: string) => entries.find((e) => e.key === k);
      const path = get('path');
      const size = get('size');
      const fill = get('fill');
      if (path === undefined) w.error(map, 'a file needs a path:');
      if (size === undefined) w.error(map, 'a file needs a size:');
      const spec: FileSpec = { path: '', size: 0, fill: 0 };
      if (path !== undefined) {
        w.guard(() => {
          spec.path = w.string(path.value, 'path');
          if (paths.has(spec.path)) w.fail(path.value, `file '${spec.path}' is given twice`);
          paths.add(spec.path);
        });
      }
      if (size !== undefined) w.guard(() => (spec.size = w.value(size.value, parseSize)));
      if (fill !== undefined) w.guard(() => (spec.fill = w.value(fill.value, parseU32)));
      out.push(spec);
    });
  }
  return out;
}

function parseExplore(w: Walker, node: Node | null, anchor: Node): ExploreSpec {
  const map = w.map(node, 'explore', anchor);
  const entries = w.entries(map);
  w.onlyKeys(entries, EXPLORE_KEYS, 'explore');
  const spec: ExploreSpec = { expect: 'clean' };
  let sawExpect = false;
  for (const e of entries) {
    w.guard(() => {
      if (e.key === 'expect') {
        sawExpect = true;
        spec.expect = w.value(e.value, (x) => parseEnum(x, ['clean', 'violation'] as const, 'explore expect'));
      } else if (e.key === 'invariant') {
        spec.invariant = w.string(e.value, 'invariant');
        spec.invariantPos = w.pos(e.value);
      }
    });
  }
  if (!sawExpect) w.error(map, 'explore needs expect: clean or expect: violation');
  return spec;
}
