/**
 * The scenario parser (SCENARIO.md). It walks the YAML node tree rather than the plain JS
 * value so that every problem carries the line and column where it was written, collects
 * every problem it finds, and throws them together; a file that parses is fully validated
 * and normalised (sizes in bytes, prot canonical, addresses as expressions).
 */
import { MACHINE_DEFAULTS, MAX_CPUS } from '../machine/MachineSpec.ts';
import { didYouMean } from '../util/didYouMean.ts';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type {
  AddrExpr,
  ArgValue,
  CheckQuery,
  CmpOp,
  ExpectValue,
  Expectation,
  ExploreSpec,
  FileSpec,
  MachineRef,
  MachineSpec,
  SavedRef,
  Scenario,
  SourcePos,
  Step,
} from './ast.ts';
import { ScenarioError, scenarioErrorOf } from './ScenarioError.ts';
import {
  ValueError,
  looksLikeSize,
  parseAddr,
  parseCount,
  parseEnum,
  parseFlags,
  parseName,
  parseNumber,
  parseProt,
  parseSize,
  parseU64,
  parseLength,
  parseAccessSize,
  parseU32,
} from './values.ts';

/* ------------------------------------------------------------------ tables */

/** How an argument is read and normalised. */
type ArgKind =
  | 'id' // pid, tid, cpu, key, child: a non-negative integer
  | 'by' // a number when numeric, else a string
  | 'addr'
  | 'size' // bytes
  | 'len' // a system call's length or offset: a size, or any 64-bit value
  | 'u64'
  | 'access_size' // 1, 2, 4 or 8 bytes
  | 'count'
  | 'u32'
  | 'prot'
  | 'string'
  | 'holder'
  | 'bool'
  | 'name'
  | 'rights'
  | { enum: readonly string[] }
  | { flags: readonly string[] | null };

interface ArgSpec {
  kind: ArgKind;
  required: boolean;
}

interface OpSpec {
  args: Record<string, ArgSpec>;
}

/** `{ pid: 'id', 'addr?': 'addr' }`: a trailing `?` marks an optional argument. */
function op(args: Record<string, ArgKind>, thread = false): OpSpec {
  const out: Record<string, ArgSpec> = {};
  for (const [k, kind] of Object.entries(args)) {
    const required = !k.endsWith('?');
    out[required ? k : k.slice(0, -1)] = { kind, required };
  }
  // A step a thread performs takes tid?, default 0 (unless tid is already an argument).
  if (thread && out['tid'] === undefined) out['tid'] = { kind: 'id', required: false };
  return { args: out };
}

export const MMAP_FLAGS = [
  'private',
  'shared',
  'anon',
  'fixed',
  'excl',
  'stack',
  'populate',
  'locked',
  'noreserve',
  'shared_validate',
  'nosync',
  'nocore',
  'concealed',
  'prefault_read',
] as const;
export const MSYNC_FLAGS = ['sync', 'async', 'invalidate'] as const;
export const MREMAP_FLAGS = ['maymove', 'fixed', 'dontunmap'] as const;
export const SYSARCH_FLAGS = ['persist', 'excl'] as const;
export const INHERIT_VALUES = ['copy', 'share', 'none', 'zero'] as const;
export const ADVICE_VALUES = [
  'dontneed',
  'free',
  'willneed',
  'zero',
  'free_reusable',
  'free_reuse',
  'can_reuse',
] as const;
export const BRANCH_VALUES = ['direct', 'call', 'jump'] as const;
export const SYSARCH_OPS = ['set_pkru', 'clear_pkru', 'guard_page'] as const;
export const DENY_VALUES = ['none', 'write', 'access', 'all'] as const;
export const RIGHTS_VALUES = ['none', 'write', 'access'] as const;
export const ABI_VALUES = ['freebsd', 'linux', 'openbsd'] as const;

const range = { pid: 'id', addr: 'addr', len: 'len' } as const;

/** Every operation of SCENARIO.md "Operations", but `concurrent` and `check`. */
const OPS: Record<string, OpSpec> = {
  spawn: op({ pid: 'id', 'kernel?': 'bool', 'cpu?': 'id' }),
  thread: op({ pid: 'id', tid: 'id', 'by?': 'by', 'cpu?': 'id' }),
  thread_exit: op({ pid: 'id', tid: 'id' }),
  mmap: op(
    {
      pid: 'id',
      'addr?': 'addr',
      len: 'len',
      prot: 'prot',
      flags: { flags: MMAP_FLAGS },
      'file?': 'string',
      'offset?': 'len',
      'as?': 'name',
    },
    true,
  ),
  munmap: op(range, true),
  mprotect: op({ ...range, prot: 'prot' }, true),
  minherit: op({ ...range, inherit: { enum: INHERIT_VALUES } }, true),
  mlock: op(range, true),
  munlock: op(range, true),
  msync: op({ ...range, flags: { flags: MSYNC_FLAGS } }, true),
  madvise: op({ ...range, advice: { enum: ADVICE_VALUES } }, true),
  read: op({ pid: 'id', addr: 'addr', 'size?': 'access_size' }, true),
  write: op({ pid: 'id', addr: 'addr', value: 'u64', 'size?': 'access_size' }, true),
  fetch: op({ pid: 'id', addr: 'addr', 'branch?': { enum: BRANCH_VALUES } }, true),
  copyin: op({ pid: 'id', addr: 'addr', 'value?': 'u32' }, true),
  copyout: op({ pid: 'id', addr: 'addr', 'value?': 'u32' }, true),
  peek: op({ pid: 'id', addr: 'addr', 'value?': 'u32', by: 'by' }, true),
  poke: op({ pid: 'id', addr: 'addr', 'value?': 'u32', by: 'by' }, true),
  fork: op({ pid: 'id', child: 'id' }, true),
  execve: op({ pid: 'id' }, true),
  exit: op({ pid: 'id' }, true),
  wait: op({ pid: 'id' }),
  hold: op({ pid: 'id', holder: 'holder' }),
  release: op({ pid: 'id', holder: 'holder' }),
  swapout: op({ pid: 'id' }),
  pageout: op({ 'pid?': 'id', 'addr?': 'addr', 'len?': 'size', 'pages?': 'count' }),
  revoke: op({ file: 'string', 'even_cows?': 'bool' }),
  truncate: op({ file: 'string', size: 'size' }),
  mimmutable: op(range, true),
  mseal: op({ ...range, 'flags?': 'count' }, true),
  mremap: op({ pid: 'id', addr: 'addr', old_len: 'len', new_len: 'len', 'flags?': { flags: MREMAP_FLAGS }, 'new_addr?': 'addr', 'as?': 'name' }, true),
  sysarch: op(
    { ...range, op: { enum: SYSARCH_OPS }, 'key?': 'id', 'flags?': { flags: SYSARCH_FLAGS } },
    true,
  ),
  pkey_set: op({ pid: 'id', key: 'id', deny: { enum: DENY_VALUES } }, true),
  wrpkru: op({ pid: 'id', value: 'u32', 'by?': 'by' }, true),
  pkey_alloc: op({ pid: 'id', 'flags?': { flags: null }, 'rights?': 'rights' }, true),
  pkey_free: op({ pid: 'id', key: 'id' }, true),
  pkey_mprotect: op({ ...range, prot: 'prot', key: 'id' }, true),
  context_switch: op({ cpu: 'id' }),
};

/** Every op name a step may use. */
export const STEP_OPS: readonly string[] = [...Object.keys(OPS), 'concurrent', 'check'];

/** The state queries of SCENARIO.md "State queries", with their arguments. */
const QUERIES: Record<string, OpSpec> = {
  rss: op({ pid: 'id' }),
  footprint: op({ pid: 'id' }),
  reusable: op({ pid: 'id' }),
  resident: op({ pid: 'id', addr: 'addr' }),
  mapped: op({ pid: 'id', addr: 'addr' }),
  entry: op({ pid: 'id', addr: 'addr' }),
  pte: op({ pid: 'id', addr: 'addr' }),
  object: op({ pid: 'id', addr: 'addr' }),
  pkey: op({ pid: 'id', addr: 'addr' }),
  guarded: op({ pid: 'id', addr: 'addr' }),
  pkru: op({ pid: 'id', 'tid?': 'id' }),
  swap_used: op({}),
  free_pages: op({}),
  events: op({ kind: 'string' }),
  vmspace_refs: op({ pid: 'id' }),
  map_entries: op({ pid: 'id' }),
};

export const CHECK_QUERIES: readonly string[] = Object.keys(QUERIES);

const TOP_KEYS = ['name', 'machine', 'machines', 'files', 'steps', 'explore'];
const MACHINE_KEYS = ['name', 'arch', 'abi', 'cpus', 'physmem', 'swap', 'features', 'policies', 'plugins', 'faults'];
const FILE_KEYS = ['path', 'size', 'fill'];
const EXPLORE_KEYS = ['expect', 'invariant'];
const FAULT_KEYS = ['at', 'every', 'count'];
const CMP_OPS: readonly CmpOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
/** Outcome and query fields whose expected strings are addresses. */
const ADDR_FIELDS = new Set(['addr', 'start', 'end']);


/* ------------------------------------------------------------------ walker */

interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

/** Why parsing stopped at one node: already reported, unwind to the caller. */
const REPORTED = Symbol('reported');

class Walker {
  readonly errors: ScenarioError[] = [];
  readonly lines = new LineCounter();
  readonly doc: Document.Parsed;
  /** Names bound by `as:` so far, in document order. */
  readonly names = new Set<string>();
  /** Names given by `save:` so far, in document order. */
  readonly saves = new Set<string>();

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, intAsBigInt: true, prettyErrors: false });
    for (const e of this.doc.errors) {
      const problem = e.code === 'MULTIPLE_DOCS' ? 'a file holds one YAML document; remove the second (after ---)' : e.message;
      this.errorAt(e.pos[0], problem);
    }
  }

  pos(node: Node | null | undefined): SourcePos {
    const at = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(at);
    return { file: this.file, line, col };
  }

  errorAt(offset: number, problem: string): void {
    const { line, col } = this.lines.linePos(offset);
    this.errors.push(new ScenarioError(this.file, line, col, problem));
  }

  error(node: Node | null | undefined, problem: string): void {
    const p = this.pos(node);
    this.errors.push(new ScenarioError(this.file, p.line, p.col, problem));
  }

  /** Report and unwind. */
  fail(node: Node | null | undefined, problem: string): never {
    this.error(node, problem);
    throw REPORTED;
  }

  /** Run one part; a reported problem in it does not stop the others. */
  guard<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (e === REPORTED) return undefined;
      throw e;
    }
  }

  deref(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node as Node;
  }

  /** The plain value of a scalar node (bigint for ints); lists and maps as JS values. */
  plain(node: Node | null): unknown {
    if (node === null) return null;
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((n) => this.plain(this.deref(n)));
    return node.toJSON();
  }

  /** Convert a scalar with a value parser, reporting a ValueError at the node. */
  value<T>(node: Node | null, parse: (v: unknown) => T): T {
    try {
      return parse(this.plain(node));
    } catch (e) {
      if (e instanceof ValueError) this.fail(node, e.message);
      throw e;
    }
  }

  map(node: Node | null, what: string, anchor: Node | null = node): YAMLMap {
    if (node !== null && isMap(node)) return node;
    return this.fail(node ?? anchor, `${what} must be a map`);
  }

  seq(node: Node | null, what: string, anchor: Node | null = node): YAMLSeq {
    if (node !== null && isSeq(node)) return node;
    return this.fail(node ?? anchor, `${what} must be a list`);
  }

  entries(map: YAMLMap): Entry[] {
    const out: Entry[] = [];
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key);
      if (keyNode === null || !isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        this.error(keyNode ?? map, 'a key must be a plain word');
        continue;
      }
      // An empty value (`pageout:`) is a null scalar; callers see null.
      const value = this.deref(pair.value);
      const empty = value !== null && isScalar(value) && value.value === null;
      out.push({ key: String(keyNode.value), keyNode, value: empty ? null : value });
    }
    return out;
  }

  /** Report keys not in `allowed`, naming the allowed ones. */
  onlyKeys(entries: Entry[], allowed: readonly string[], where: string): void {
    for (const e of entries) {
      if (!allowed.includes(e.key)) {
        this.error(e.keyNode, `unknown key '${e.key}' in ${where}${didYouMean(e.key, allowed)}; allowed: ${allowed.join(', ')}`);
      }
    }
  }

  string(node: Node | null, what: string): string {
    if (node !== null && isScalar(node) && typeof node.value === 'string' && node.value !== '') return node.value;
    return this.fail(node, `${what} must be a non-empty string`);
  }

  bool(node: Node | null, what: string): boolean {
    if (node !== null && isScalar(node) && typeof node.value === 'boolean') return node.value;
    return this.fail(node, `${what} must be true or false`);
  }

  /** The scalar's text as written (YAML numbers kept as their source). */
  scalarText(node: Node | null, what: string): string {
    if (node !== null && isScalar(node) && node.value !== null && typeof node.value !== 'object') {
      const s = node as Scalar;
      if (typeof s.value === 'string') return s.value;
      return s.source ?? String(s.value);
    }
    return this.fail(node, `${what} must be a scalar`);
  }

  throwIfErrors(): void {
    if (this.errors.length > 0) throw scenarioErrorOf(this.errors);
  }
}

/* ------------------------------------------------------------------ scenario */

/** Parse and validate a scenario file; throws ScenarioError (or ScenarioErrors for several). */
export function parseScenario(text: string, file: string): Scenario {
  const w = new Walker(text, file);
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
  return scenario;
}

/** Parse and validate a standalone machine file (SCENARIO.md "Machine"); `name` is optional. */
export function parseMachineFile(text: string, file: string): MachineSpec {
  const w = new Walker(text, file);
  w.throwIfErrors();
  const root = w.deref(w.doc.contents);
  if (root === null) w.error(null, 'the machine file is empty; it needs at least arch');
  const spec = root === null ? undefined : w.guard(() => parseMachineSpec(w, root, root, false));
  w.throwIfErrors();
  return spec!;
}

/* ------------------------------------------------------------------ machines */

function parseMachineRef(w: Walker, node: Node | null, anchor: Node, needName: boolean): MachineRef {
  const pos = w.pos(node ?? anchor);
  if (node !== null && isMap(node)) return { kind: 'inline', spec: parseMachineSpec(w, node, anchor, needName), pos };
  const s = w.string(node, 'a machine (a preset name, a path or an inline machine)');
  if (s.includes('/') || /\.(ya?ml|json)$/i.test(s)) return { kind: 'path', path: s, pos };
  return { kind: 'preset', name: s, pos };
}

function parseMachineList(w: Walker, node: Node | null, anchor: Node): MachineRef[] {
  const seq = w.seq(node, 'machines', anchor);
  if (seq.items.length === 0) w.fail(seq, 'machines needs at least one machine');
  const out: MachineRef[] = [];
  const seen = new Map<string, Node>();
  for (const item of seq.items) {
    const n = w.deref(item);
    const ref = w.guard(() => parseMachineRef(w, n, seq, true));
    if (ref === undefined) continue;
    out.push(ref);
    const nm = ref.kind === 'preset' ? ref.name : ref.kind === 'inline' ? ref.spec.name : undefined;
    if (nm !== undefined) {
      if (seen.has(nm)) w.error(n, `machine name '${nm}' is used twice; give the inline machine another name:`);
      seen.set(nm, n!);
    }
  }
  return out;
}

function parseMachineSpec(w: Walker, node: Node | null, anchor: Node | null, needName: boolean): MachineSpec {
  const map = w.map(node, 'a machine', anchor);
  const entries = w.entries(map);
  w.onlyKeys(entries, MACHINE_KEYS, 'a machine');
  const positions: Record<string, SourcePos> = {};
  const spec: MachineSpec = {
    arch: '',
    abi: 'freebsd',
    cpus: MACHINE_DEFAULTS.cpus,
    physmem: MACHINE_DEFAULTS.physmem,
    swap: MACHINE_DEFAULTS.swap,
    features: {},
    policies: {},
    plugins: [],
    faults: {},
    positions,
  };
  let sawArch = false;
  let sawName = false;
  for (const e of entries) {
    w.guard(() => {
      const v = e.value;
      switch (e.key) {
        case 'name':
          sawName = true;
          spec.name = w.string(v, 'machine name');
          positions['name'] = w.pos(v);
          break;
        case 'arch':
          sawArch = true;
          spec.arch = w.string(v, 'arch');
          positions['arch'] = w.pos(v);
          break;
        case 'abi':
          spec.abi = w.value(v, (x) => parseEnum(x, ABI_VALUES, 'abi'));
          positions['abi'] = w.pos(v);
          break;
        case 'cpus': {
          const n = w.value(v, parseCount);
          if (n < 1 || n > MAX_CPUS) w.fail(v, `cpus must be between 1 and ${MAX_CPUS}, got ${n}`);
          spec.cpus = n;
          break;
        }
        case 'physmem':
          spec.physmem = w.value(v, parseSize);
          if (spec.physmem === 0) w.fail(v, 'physmem must not be 0');
          break;
        case 'swap':
          spec.swap = w.value(v, parseSize);
          break;
        case 'features':
          for (const f of w.entries(w.map(v, 'features', e.keyNode))) {
            w.guard(() => {
              spec.features[f.key] = w.bool(f.value, `feature '${f.key}'`);
              positions[`features.${f.key}`] = w.pos(f.keyNode);
            });
          }
          break;
        case 'policies':
          for (const p of w.entries(w.map(v, 'policies', e.keyNode))) {
            w.guard(() => {
              spec.policies[p.key] = w.scalarText(p.value, `policy '${p.key}'`);
              positions[`policies.${p.key}`] = w.pos(p.value ?? p.keyNode);
            });
          }
          break;
        case 'plugins': {
          const seq = w.seq(v, 'plugins', e.keyNode);
          seq.items.forEach((item, i) => {
            const n = w.deref(item);
            w.guard(() => {
              spec.plugins.push(w.string(n, 'a plugin'));
              positions[`plugins.${i}`] = w.pos(n);
            });
          });
          break;
        }
        case 'faults':
          for (const f of w.entries(w.map(v, 'faults', e.keyNode))) {
            w.guard(() => {
              const fm = w.map(f.value, `fault '${f.key}'`, f.keyNode);
              const fe = w.entries(fm);
              w.onlyKeys(fe, FAULT_KEYS, `fault '${f.key}'`);
              const fault: { at?: number; every?: number; count?: number } = {};
              for (const x of fe) {
                if (x.key === 'at' || x.key === 'every' || x.key === 'count') {
                  w.guard(() => (fault[x.key as 'at'] = w.value(x.value, parseCount)));
                }
              }
              spec.faults[f.key] = fault;
              positions[`faults.${f.key}`] = w.pos(f.keyNode);
            });
          }
          break;
      }
    });
  }
  if (!sawArch) w.error(map, 'the machine has no arch; add arch: amd64 (or arm64, or a pmap plugin)');
  if (needName && !sawName) w.error(map, 'an inline machine in machines: needs a name:');
  return spec;
}

/* ------------------------------------------------------------------ files, explore */

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
      }
    });
  }
  if (!sawExpect) w.error(map, 'explore needs expect: clean or expect: violation');
  return spec;
}

/* ------------------------------------------------------------------ steps */

function parseSteps(w: Walker, node: Node | null, anchor: Node, nested: boolean): Step[] {
  const seq = w.seq(node, 'steps', anchor);
  const out: Step[] = [];
  for (const item of seq.items) {
    const n = w.deref(item);
    const steps = w.guard(() => parseStep(w, n, seq, nested));
    if (steps !== undefined) out.push(...steps);
  }
  return out;
}

/** One step of the file; a `check` with a list of query maps gives one Step per map. */
function parseStep(w: Walker, node: Node | null, anchor: Node, nested: boolean): Step[] {
  const map = w.map(node, 'a step (a one-key map such as - read: { pid: 1, addr: buf })', anchor);
  const entries = w.entries(map);
  if (entries.length !== 1) {
    const keys = entries.map((e) => e.key);
    const misplaced: string[] = keys.filter((k) => k === 'expect' || k === 'expect_on' || k === 'tid' || k === 'save');
    const fix =
      misplaced.length > 0 && keys.length === 2
        ? `; move ${misplaced[0]} inside the arguments of ${keys.find((k) => !misplaced.includes(k))}`
        : '';
    w.fail(map, `a step is a one-key map (the operation), found ${keys.length === 0 ? 'none' : keys.join(', ')}${fix}`);
  }
  const { key, keyNode, value } = entries[0]!;
  const pos = w.pos(keyNode);
  if (key === 'check') return parseCheck(w, value, keyNode, pos);
  if (key === 'concurrent') {
    if (nested) w.fail(keyNode, 'concurrent steps cannot be nested; a thread of concurrent runs plain steps');
    return [parseConcurrent(w, value, keyNode, pos)];
  }
  const spec = OPS[key];
  if (spec === undefined) w.fail(keyNode, `unknown operation '${key}'${didYouMean(key, STEP_OPS)}; known: ${STEP_OPS.join(', ')}`);

  const argsMap: YAMLMap | null = value === null ? null : w.map(value, `the arguments of ${key}`, keyNode);
  const argEntries = argsMap === null ? [] : w.entries(argsMap);
  const step: Step = { op: key, args: {}, pos };
  const rest = parseArgs(w, key, spec, argEntries, argsMap ?? keyNode, step.args, ['expect', 'expect_on']);

  if (key === 'pageout') checkPageout(w, step.args, argsMap ?? keyNode);
  if (key === 'write') checkWriteValue(w, step.args, argEntries);
  if ((key === 'mmap' || key === 'mremap') && typeof step.args['as'] === 'string') w.names.add(step.args['as']);

  for (const e of rest) {
    if (e.key === 'expect') step.expect = w.guard(() => parseExpectation(w, e.value, e.keyNode, undefined));
    else if (e.key === 'expect_on') step.expectOn = w.guard(() => parseExpectOn(w, e.value, e.keyNode, undefined));
  }
  return [step];
}

/** A store's value must fit its size (4 bytes unless `size` says otherwise). */
function checkWriteValue(w: Walker, args: Record<string, ArgValue>, entries: Entry[]): void {
  const size = typeof args['size'] === 'number' ? args['size'] : 4;
  const v = args['value'];
  if (typeof v !== 'number' && typeof v !== 'bigint') return;
  if (BigInt(v) >= 1n << BigInt(size * 8)) {
    const node = entries.find((e) => e.key === 'value')?.value ?? null;
    if (node !== null) w.error(node, `value 0x${BigInt(v).toString(16)} does not fit in ${size} byte${size === 1 ? '' : 's'}; give a size: 8 for a 64-bit store`);
  }
}

/**
 * Read the arguments of an op (or a query) into `out`; returns the entries whose keys are
 * in `extra` (expect, save, ...) for the caller.
 */
function parseArgs(
  w: Walker,
  what: string,
  spec: OpSpec,
  entries: Entry[],
  anchor: Node,
  out: Record<string, ArgValue>,
  extra: readonly string[],
): Entry[] {
  const rest: Entry[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (extra.includes(e.key)) {
      rest.push(e);
      continue;
    }
    const arg = spec.args[e.key];
    if (arg === undefined) {
      w.error(
        e.keyNode,
        `unknown argument '${e.key}' for ${what}${didYouMean(e.key, [...Object.keys(spec.args), ...extra])}; ${what} takes ${describeArgs(spec, extra)}`,
      );
      continue;
    }
    seen.add(e.key);
    const v = w.guard(() => parseArg(w, e.key, arg.kind, e.value ?? e.keyNode, e.value));
    if (v !== undefined) out[e.key] = v;
  }
  const missing = Object.entries(spec.args)
    .filter(([k, a]) => a.required && !seen.has(k))
    .map(([k]) => k);
  if (missing.length > 0) {
    w.error(anchor, `${what} is missing ${missing.map((k) => `'${k}'`).join(', ')}; ${what} takes ${describeArgs(spec, extra)}`);
  }
  return rest;
}

function describeArgs(spec: OpSpec, extra: readonly string[]): string {
  const names = Object.entries(spec.args).map(([k, a]) => (a.required ? k : `${k}?`));
  names.push(...extra.map((k) => `${k}?`));
  return names.length === 0 ? 'no arguments' : names.join(', ');
}

function parseArg(w: Walker, name: string, kind: ArgKind, anchor: Node, node: Node | null): ArgValue {
  if (node === null) w.fail(anchor, `'${name}' has no value`);
  if (typeof kind === 'object') {
    if ('enum' in kind) return w.value(node, (x) => parseEnum(x, kind.enum, name));
    return w.value(node, (x) => parseFlags(x, kind.flags ?? undefined));
  }
  switch (kind) {
    case 'id':
    case 'count':
      return w.value(node, parseCount);
    case 'by': {
      const v = w.plain(node);
      if (typeof v === 'string' && !/^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) {
        return w.value(node, parseName);
      }
      return w.value(node, parseCount);
    }
    case 'addr': {
      const a = w.value(node, parseAddr);
      checkName(w, node, a);
      return a;
    }
    case 'size':
      return w.value(node, parseSize);
    case 'len':
      return w.value(node, parseLength);
    case 'u64':
      return w.value(node, parseU64);
    case 'access_size':
      return w.value(node, parseAccessSize);
    case 'u32':
      return w.value(node, parseU32);
    case 'prot':
      return w.value(node, parseProt);
    case 'string':
      return w.string(node, name);
    case 'holder':
      return w.scalarText(node, name);
    case 'bool':
      return w.bool(node, name);
    case 'name': {
      const v = w.plain(node);
      if (typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) w.fail(node, `'${v}' is a number, not a name`);
      return w.value(node, parseName);
    }
    case 'rights': {
      const v = w.plain(node);
      if (typeof v === 'string' && !/^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) {
        return w.value(node, (x) => parseEnum(x, RIGHTS_VALUES, 'rights'));
      }
      return w.value(node, parseCount);
    }
  }
}

/** A name in an address must have been bound by an earlier `as:`. */
function checkName(w: Walker, node: Node, a: AddrExpr): void {
  if (a.name !== undefined && !w.names.has(a.name)) {
    w.fail(node, `unknown name '${a.name}': no earlier step binds it with as:`);
  }
}

function checkPageout(w: Walker, args: Record<string, ArgValue>, anchor: Node): void {
  const hasAddr = args['addr'] !== undefined;
  const hasLen = args['len'] !== undefined;
  if (hasAddr !== hasLen) w.error(anchor, 'pageout over a range needs both addr and len');
  if ((hasAddr || hasLen) && args['pid'] === undefined) w.error(anchor, 'pageout over a range needs the pid');
  if ((hasAddr || hasLen) && args['pages'] !== undefined) w.error(anchor, 'pageout takes either a range (addr, len) or pages, not both');
}

/* ------------------------------------------------------------------ concurrent */

function parseConcurrent(w: Walker, node: Node | null, anchor: Node, pos: SourcePos): Step {
  const map = w.map(node, 'concurrent', anchor);
  const entries = w.entries(map);
  w.onlyKeys(entries, ['threads', 'schedule', 'expect', 'expect_on'], 'concurrent');
  const step: Step = { op: 'concurrent', args: {}, pos };
  const threads = entries.find((e) => e.key === 'threads');
  if (threads === undefined) w.fail(map, 'concurrent needs threads: a list of step lists, one per kernel thread');
  const tseq = w.seq(threads.value, 'threads', threads.keyNode);
  if (tseq.items.length === 0) w.fail(tseq, 'concurrent needs at least one thread');
  const lists: Step[][] = [];
  for (const item of tseq.items) {
    const n = w.deref(item);
    const list = w.guard(() => {
      const s = w.seq(n, 'a thread of concurrent (a list of steps)', tseq);
      if (s.items.length === 0) w.fail(s, 'a thread of concurrent needs at least one step');
      return parseSteps(w, s, tseq, true);
    });
    lists.push(list ?? []);
  }
  step.args['threads'] = lists;
  for (const e of entries) {
    w.guard(() => {
      if (e.key === 'schedule') {
        const s = w.seq(e.value, 'schedule', e.keyNode);
        const sched: number[] = [];
        for (const item of s.items) {
          const n = w.deref(item);
          w.guard(() => {
            const i = w.value(n, parseCount);
            if (i >= lists.length) {
              w.fail(n, `schedule names thread ${i}, but concurrent has ${lists.length} thread${lists.length === 1 ? '' : 's'} (0 to ${lists.length - 1})`);
            }
            sched.push(i);
          });
        }
        step.args['schedule'] = sched;
      } else if (e.key === 'expect') {
        step.expect = parseExpectation(w, e.value, e.keyNode, undefined);
      } else if (e.key === 'expect_on') {
        step.expectOn = parseExpectOn(w, e.value, e.keyNode, undefined);
      }
    });
  }
  return step;
}

/* ------------------------------------------------------------------ check */

function parseCheck(w: Walker, node: Node | null, anchor: Node, pos: SourcePos): Step[] {
  if (node !== null && isSeq(node)) {
    if (node.items.length === 0) w.fail(node, 'check needs at least one map of queries');
    const out: Step[] = [];
    for (const item of node.items) {
      const n = w.deref(item);
      const s = w.guard(() => parseCheckMap(w, n, node, n === null ? pos : w.pos(n)));
      if (s !== undefined) out.push(s);
    }
    return out;
  }
  return [parseCheckMap(w, node, anchor, pos)];
}

function parseCheckMap(w: Walker, node: Node | null, anchor: Node, pos: SourcePos): Step {
  const map = w.map(node, 'check (a map of queries such as { rss: { pid: 1 } }, or a list of them)', anchor);
  const entries = w.entries(map);
  const step: Step = { op: 'check', args: {}, pos };
  const queries: CheckQuery[] = [];
  let save: Entry | undefined;
  const later: Entry[] = [];
  for (const e of entries) {
    if (e.key === 'save') {
      save = e;
      continue;
    }
    if (e.key === 'expect' || e.key === 'expect_on') {
      later.push(e);
      continue;
    }
    const spec = QUERIES[e.key];
    if (spec === undefined) {
      w.error(e.keyNode, `unknown query '${e.key}'${didYouMean(e.key, CHECK_QUERIES)}; known: ${CHECK_QUERIES.join(', ')} (and save, expect, expect_on)`);
      continue;
    }
    w.guard(() => {
      const qnode = e.value;
      // `swap_used:` with no value is `swap_used: {}`.
      const qmap = qnode === null ? null : w.map(qnode, `the arguments of query ${e.key}`, e.keyNode);
      const args: Record<string, ArgValue> = {};
      parseArgs(w, `query ${e.key}`, spec, qmap === null ? [] : w.entries(qmap), qmap ?? e.keyNode, args, []);
      queries.push({ query: e.key, args: args as CheckQuery['args'], pos: w.pos(e.keyNode) });
    });
  }
  if (!entries.some((e) => !['save', 'expect', 'expect_on'].includes(e.key))) {
    w.error(map, `check needs at least one query; known: ${CHECK_QUERIES.join(', ')}`);
  }
  step.args['queries'] = queries;
  for (const e of later) {
    if (e.key === 'expect') step.expect = w.guard(() => parseExpectation(w, e.value, e.keyNode, undefined));
    else step.expectOn = w.guard(() => parseExpectOn(w, e.value, e.keyNode, undefined));
  }
  if (save !== undefined) {
    const s = save;
    w.guard(() => {
      step.save = w.value(s.value, parseName);
      w.saves.add(step.save);
    });
  }
  return step;
}

/* ------------------------------------------------------------------ expectations */

function parseExpectation(w: Walker, node: Node | null, anchor: Node, field: string | undefined): Expectation {
  if (node === null || !isMap(node)) {
    w.fail(node ?? anchor, 'expect must be a map of outcome fields, e.g. expect: { value: 0x41 } or expect: { errno: EINVAL }');
  }
  return { value: parseExpectValue(w, node, field), pos: w.pos(node) };
}

function parseExpectOn(w: Walker, node: Node | null, anchor: Node, field: string | undefined): Record<string, Expectation> {
  const map = w.map(node, 'expect_on (machine name → expectation)', anchor);
  const out: Record<string, Expectation> = {};
  for (const e of w.entries(map)) {
    const x = w.guard(() => parseExpectation(w, e.value, e.keyNode, field));
    if (x !== undefined) out[e.key] = x;
  }
  return out;
}

/** An expected value; `field` is the name of the outcome field it is for. */
function parseExpectValue(w: Walker, node: Node | null, field: string | undefined): ExpectValue {
  if (node === null) return { kind: 'scalar', value: null };
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'bigint') return { kind: 'scalar', value: w.value(node, (x) => (x as bigint) >= 0n ? parseU64(x) : parseNumber(x)) };
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return { kind: 'scalar', value: v };
    if (typeof v === 'string') {
      if (v.startsWith('$')) return { kind: 'saved', ref: w.value(node, (x) => parseSavedRef(w, x)) };
      if (field !== undefined && ADDR_FIELDS.has(field)) {
        const a = w.value(node, parseAddr);
        checkName(w, node, a);
        return a.name === undefined ? { kind: 'scalar', value: a.offset } : { kind: 'addr', addr: a };
      }
      if (looksLikeSize(v)) return { kind: 'scalar', value: w.value(node, parseSize) };
      return { kind: 'scalar', value: v };
    }
    w.fail(node, 'unsupported expected value');
  }
  if (isSeq(node)) w.fail(node, 'a list is not an expected value; write alternatives as { one_of: [...] }');
  const map = w.map(node, 'an expected value', node);
  const entries = w.entries(map);
  if (entries.some((e) => e.key === 'one_of')) {
    if (entries.length !== 1) w.fail(map, 'one_of must be the only key of its map');
    const e = entries[0]!;
    const seq = w.seq(e.value, 'one_of', e.keyNode);
    if (seq.items.length === 0) w.fail(seq, 'one_of needs at least one alternative');
    const alternatives: ExpectValue[] = [];
    for (const item of seq.items) {
      const x = w.guard(() => parseExpectValue(w, w.deref(item), field));
      if (x !== undefined) alternatives.push(x);
    }
    return { kind: 'oneOf', alternatives };
  }
  if (entries.length > 0 && entries.every((e) => (CMP_OPS as readonly string[]).includes(e.key))) {
    const ops: { op: CmpOp; rhs: ExpectValue }[] = [];
    for (const e of entries) {
      w.guard(() => {
        const rhs = parseExpectValue(w, e.value, field);
        if (!(rhs.kind === 'addr' || rhs.kind === 'saved' || (rhs.kind === 'scalar' && typeof rhs.value === 'number'))) {
          w.fail(e.value ?? e.keyNode, `${e.key} compares numbers; give a number, an address or a $saved reference`);
        }
        ops.push({ op: e.key as CmpOp, rhs });
      });
    }
    return { kind: 'cmp', ops };
  }
  const fields: Record<string, ExpectValue> = {};
  for (const e of entries) {
    const x = w.guard(() => parseExpectValue(w, e.value, e.key));
    if (x !== undefined) fields[e.key] = x;
  }
  return { kind: 'map', fields };
}

const SAVED_RE = /^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(?:([+-])\s*(\S.*))?$/;

function parseSavedRef(w: Walker, v: unknown): SavedRef {
  const s = String(v).trim();
  const m = SAVED_RE.exec(s);
  if (!m) {
    throw new ValueError(`bad saved reference '${s}': expected $NAME.query or $NAME.query.field, with an optional + N or - N`);
  }
  const ref = m[1]!;
  if (!w.saves.has(ref)) {
    throw new ValueError(`unknown saved check '$${ref}': no earlier check has save: ${ref}`);
  }
  let delta = 0;
  if (m[3] !== undefined) {
    try {
      delta = parseSize(m[4]!);
    } catch {
      throw new ValueError(`bad saved reference '${s}': '${m[4]}' is not a number`);
    }
    if (m[3] === '-') delta = -delta;
  }
  return { ref, path: m[2]!.slice(1).split('.'), delta };
}
