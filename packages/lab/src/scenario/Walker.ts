/**
 * The YAML walker of the scenario parser: it reads the YAML node tree (not the plain JS
 * value) so that every problem carries the line and column where it was written, collects
 * problems rather than stopping at the first, and keeps the names bound so far.
 */
import { didYouMean } from '@vmlab/core';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { AddrExpr, SourcePos } from './ast.ts';
import { ScenarioError, scenarioErrorOf } from './ScenarioError.ts';
import { ValueError } from './values.ts';
import { escapeControl } from '../io/exitCodes.ts';

export interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

/** Why parsing stopped at one node: already reported, unwind to the caller. */
const REPORTED = Symbol('reported');
/** Why parsing stopped altogether: MAX_ERRORS problems are enough to show. */
const TOO_MANY = Symbol('too many errors');

/** Problems reported before the parser stops (a file of 100,000 bad keys shows the first ones). */
export const MAX_ERRORS = 20;
/** Alias resolutions a file may need (a "billion laughs" file needs billions). */
export const MAX_ALIASES = 1000;
/** Nesting depth of lists and maps. */
export const MAX_DEPTH = 64;

export class Walker {
  readonly errors: ScenarioError[] = [];
  readonly lines = new LineCounter();
  readonly doc: Document.Parsed;
  /** Names bound by `as:` so far, in document order. */
  readonly names = new Set<string>();
  /** Names given by `save:` so far, in document order. */
  readonly saves = new Set<string>();
  /** The loop indices of the `repeat` steps being read, and their values in this pass. */
  readonly loop = new Map<string, number>();

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    // uniqueKeys off: the library's duplicate check is quadratic in a map's size; keys are
    // checked here (onlyKeys, entries) in linear time.
    this.doc = parseDocument(text, { lineCounter: this.lines, intAsBigInt: true, prettyErrors: false, uniqueKeys: false });
    this.checkDepth();
    for (const e of this.doc.errors) {
      const problem = e.code === 'MULTIPLE_DOCS' ? 'a file holds one YAML document; remove the second (after ---)' : e.message;
      this.errorAt(e.pos[0], problem);
    }
  }

  /** Lists and maps nested deeper than MAX_DEPTH (as written; aliases are counted when followed). */
  private checkDepth(): void {
    const stack: { n: unknown; d: number }[] = [{ n: this.doc.contents, d: 0 }];
    while (stack.length > 0) {
      const { n, d } = stack.pop()!;
      if (isMap(n) || isSeq(n)) {
        if (d > MAX_DEPTH) {
          this.doc.errors.push({ code: 'DEPTH', message: `nested more than ${MAX_DEPTH} levels deep`, pos: [n.range?.[0] ?? 0, 0] } as never);
          return;
        }
        for (const it of n.items as unknown[]) {
          if (isMap(n)) stack.push({ n: (it as { value: unknown }).value, d: d + 1 });
          else stack.push({ n: it, d: d + 1 });
        }
      }
    }
  }

  pos(node: Node | null | undefined): SourcePos {
    const at = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(at);
    return { file: this.file, line, col };
  }

  errorAt(offset: number, problem: string): void {
    const { line, col } = this.lines.linePos(offset);
    this.push(new ScenarioError(this.file, line, col, escapeControl(problem)));
  }

  error(node: Node | null | undefined, problem: string): void {
    const p = this.pos(node);
    this.push(new ScenarioError(this.file, p.line, p.col, escapeControl(problem)));
  }

  private push(e: ScenarioError): void {
    this.errors.push(e);
    if (this.errors.length >= MAX_ERRORS) {
      this.errors.push(new ScenarioError(this.file, e.line, e.col, `stopped after ${MAX_ERRORS} problems; fix these first`));
      throw TOO_MANY;
    }
  }

  /** Runs the whole parse; stopping at MAX_ERRORS still throws what was found. */
  static stopsAtLimit<T>(f: () => T, w: () => Walker | undefined): T {
    try {
      return f();
    } catch (e) {
      if (e === TOO_MANY) throw scenarioErrorOf(w()!.errors);
      throw e;
    }
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

  private aliases = 0;

  deref(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      if (++this.aliases > MAX_ALIASES) this.fail(node, `more than ${MAX_ALIASES} alias expansions (*name): the file expands too far`);
      return (node.resolve(this.doc) as Node | undefined) ?? null;
    }
    return node as Node;
  }

  /**
   * The plain value of a scalar node (bigint for ints); lists and maps as JS values. A
   * number written as a float (`1e3`, `2.0`) or with a leading zero (`010`, `0o10`) is
   * given as its text, which no integer parser accepts.
   */
  plain(node: Node | null, depth = 0): unknown {
    if (node === null) return null;
    if (depth > MAX_DEPTH) this.fail(node, `nested more than ${MAX_DEPTH} levels deep`);
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'number' || typeof v === 'bigint') {
        const src = (node as Scalar).source;
        if (typeof src === 'string' && (typeof v === 'number' || /^[-+]?0(?:\d|o)/i.test(src))) {
          if (/^[-+]?0(?:\d|o)/i.test(src)) this.fail(node, `'${src}' looks like an octal number; write it in decimal or as 0x hex`);
          if (Number.isInteger(v)) return src;
        }
      }
      return v;
    }
    if (isSeq(node)) return node.items.map((n) => this.plain(this.deref(n), depth + 1));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const e of this.entries(node)) out[e.key] = this.plain(e.value, depth + 1);
      return out;
    }
    return null;
  }

  /** Convert a scalar with a value parser, reporting a ValueError at the node. */
  value<T>(node: Node | null, parse: (v: unknown) => T): T {
    try {
      return parse(this.loop.size === 0 ? this.plain(node) : substituteIndex(this.plain(node), this.loop));
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
    const seen = new Set<string>();
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key);
      if (keyNode === null || !isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        this.error(keyNode ?? map, 'a key must be a plain word');
        continue;
      }
      // An empty value (`pageout:`) is a null scalar; callers see null.
      const key = String(keyNode.value);
      if (seen.has(key)) {
        this.error(keyNode, `key '${key}' is given twice`);
        continue;
      }
      seen.add(key);
      const value = this.deref(pair.value);
      const empty = value !== null && isScalar(value) && value.value === null;
      out.push({ key, keyNode, value: empty ? null : value });
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

  /** A name in an address must have been bound by an earlier `as:`. */
  checkName(node: Node, a: AddrExpr): void {
    if (a.name !== undefined && !this.names.has(a.name)) {
      this.fail(node, `unknown name '${a.name}': no earlier step binds it with as:`);
    }
  }

  throwIfErrors(): void {
    if (this.errors.length > 0) throw scenarioErrorOf(this.errors);
  }
}

const NUM = '(?:0x[0-9a-fA-F]+|[0-9]+)';
const INDEX_TERM = new RegExp(`(?:(${NUM})\\s*\\*\\s*)?\\$([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_.])(?:\\s*\\*\\s*(${NUM}))?`, 'g');
const SUM = new RegExp(`^(-?${NUM})((?:\\s*[+-]\\s*${NUM})+)$`);
const NAME_SUM = new RegExp(`^([A-Za-z_][A-Za-z0-9_]*)((?:\\s*[+-]\\s*${NUM})+)$`);

/** The value of `+a-b+c` terms. */
function terms(text: string): number {
  let n = 0;
  for (const m of text.matchAll(new RegExp(`([+-])\\s*(${NUM})`, 'g'))) n += (m[1] === '-' ? -1 : 1) * Number(m[2]);
  return n;
}

/**
 * A scalar with the loop indices of enclosing `repeat` steps put in: `$i`, `$i*N` and `N*$i` become
 * numbers, then a sum of numbers (`0x100+3`) becomes one number and a name with several offsets
 * (`buf+0x1000+12288`) one offset. Other `$` words (saved checks) are left alone.
 */
export function substituteIndex(v: unknown, loop: ReadonlyMap<string, number>): unknown {
  if (typeof v !== 'string' || !v.includes('$')) return v;
  let hit = false;
  let s = v.replace(INDEX_TERM, (m: string, pre: string | undefined, name: string, post: string | undefined) => {
    const x = loop.get(name);
    if (x === undefined) return m;
    hit = true;
    return String(x * (pre !== undefined ? Number(pre) : 1) * (post !== undefined ? Number(post) : 1));
  });
  const left = /\$([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_.])/.exec(s);
  if (left) throw new ValueError(`unknown loop index $${left[1]}; the enclosing repeat steps bind ${[...loop.keys()].map((k) => `$${k}`).join(', ')}`);
  if (!hit) return v;
  s = s.trim();
  const sum = SUM.exec(s);
  if (sum) return String(Number(sum[1]) + terms(sum[2]!));
  const named = NAME_SUM.exec(s);
  if (named) {
    const off = terms(named[2]!);
    return off < 0 ? `${named[1]}-${-off}` : `${named[1]}+${off}`;
  }
  return s;
}
