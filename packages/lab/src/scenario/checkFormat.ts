/**
 * The last check of a parsed file: its value against the format's definition (format.ts), each
 * zod issue reported at the YAML node its path names. The parser reports what it finds first,
 * with its own wording; a file it accepts must also have the shape the JSON Schemas give
 * editors, so the two cannot drift apart.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { z } from 'zod';
import { SCHEMA_FILES } from './format.ts';
import { MAX_ALIASES, type Walker } from './Walker.ts';

/** The file's value as the schema sees it: integers beyond 2^53 as their decimal text. */
function plainForSchema(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plainForSchema);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainForSchema(x)]));
  return v;
}

/** The node at a path of keys and indices (aliases followed); the deepest one found when it stops. */
export function nodeAt(w: Walker, path: readonly PropertyKey[]): { node: Node | null; key: Node | null } {
  let node = w.deref(w.doc.contents);
  let key: Node | null = null;
  for (const seg of path) {
    if (node !== null && isMap(node)) {
      const pair = node.items.find((p) => {
        const k = w.deref(p.key);
        return k !== null && isScalar(k) && String(k.value) === String(seg);
      });
      if (pair === undefined) break;
      key = w.deref(pair.key);
      node = w.deref(pair.value) ?? key;
    } else if (node !== null && isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      key = null;
      node = w.deref(node.items[seg]);
    } else break;
  }
  return { node, key };
}

/** The issue's words: what is wrong, at which path. */
function describe(issue: z.core.$ZodIssue): string {
  const at = issue.path.length === 0 ? 'the file' : issue.path.join('.');
  return `${at}: ${issue.message}`;
}

/** Report each way the file's value does not match `schema` (`what`: scenario or machine). */
export function checkFormat(w: Walker, schema: z.ZodType, what: keyof typeof SCHEMA_FILES): void {
  let value: unknown;
  try {
    value = plainForSchema(w.doc.toJS({ maxAliasCount: MAX_ALIASES }));
  } catch {
    return; // the parser has reported what stops the file being read
  }
  const r = schema.safeParse(value);
  if (r.success) return;
  for (const issue of r.error.issues) {
    const { node, key } = nodeAt(w, issue.path);
    let at: Node | null = node;
    if (issue.code === 'unrecognized_keys' && node !== null && isMap(node)) {
      const first = nodeAt(w, [...issue.path, issue.keys[0]!]);
      at = first.key ?? node;
    } else if (node === null) at = key;
    w.error(at, `${describe(issue)} (the ${what} format, ${SCHEMA_FILES[what]})`);
  }
}
