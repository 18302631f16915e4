import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

/** One import or re-export of a file: the specifier, and whether it is erased at compile time. */
export interface ImportRef {
  spec: string;
  typeOnly: boolean;
}

/**
 * Every module a file imports or re-exports, static or dynamic. `import type` / `export type`,
 * and a named list whose every name is marked `type`, are type-only: the compiler erases
 * them, so they add no edge to the module graph that runs.
 */
export function importRefs(file: string): ImportRef[] {
  const text = readFileSync(file, 'utf8');
  const out: ImportRef[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[5] !== undefined || m[6] !== undefined) {
      out.push({ spec: (m[5] ?? m[6])!, typeOnly: false });
      continue;
    }
    const clause = m[3]!;
    let typeOnly = m[2] !== undefined;
    const braces = /^\{([^}]*)\}$/.exec(clause.trim());
    if (!typeOnly && braces !== null) {
      const names = braces[1]!
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      typeOnly = names.length > 0 && names.every((n) => n.startsWith('type '));
    }
    out.push({ spec: m[4]!, typeOnly });
  }
  return out;
}

/** The file graph of relative imports under a root: file → files it imports (runtime edges unless `withTypes`). */
export function importGraph(files: readonly string[], withTypes: boolean): Map<string, string[]> {
  const known = new Set(files);
  const g = new Map<string, string[]>();
  for (const f of files) {
    const to: string[] = [];
    for (const r of importRefs(f)) {
      if (!r.spec.startsWith('.') || (r.typeOnly && !withTypes)) continue;
      const target = resolve(dirname(f), r.spec);
      if (known.has(target)) to.push(target);
    }
    g.set(f, to);
  }
  return g;
}

/** The import cycles of a graph: every strongly connected component of more than one file, or a file importing itself. */
export function cycles(g: ReadonlyMap<string, readonly string[]>, root = ''): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      for (;;) {
        const w = stack.pop()!;
        on.delete(w);
        scc.push(w);
        if (w === v) break;
      }
      if (scc.length > 1 || (g.get(v) ?? []).includes(v)) out.push(scc.map((f) => (root === '' ? f : relative(root, f))).sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}
