#!/usr/bin/env node
// The vmlab command. Runs the build (dist/main.js); from the TypeScript sources through tsx
// instead when there is no build, when VMLAB_FROM_SOURCE=1, or, in the vmlab repository,
// when a source file is newer than the build (so an edit is never run stale).
//
// Before anything is imported it registers loader/hooks.js: a plugin loaded by path (from
// any folder) gets this vmlab's own @vmlab/* packages, so a machine has one core and one
// inversify whether or not the plugin installed copies of its own.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/main.js', import.meta.url);

/** In the repository: whether a file under packages/{name}/src is newer than the build. */
function stale() {
  const packages = fileURLToPath(new URL('../../', import.meta.url));
  if (!existsSync(`${packages}../pnpm-workspace.yaml`) || !existsSync(`${packages}core/src`)) return false;
  const at = statSync(built).mtimeMs;
  for (const p of readdirSync(packages)) {
    const src = `${packages}${p}/src`;
    if (!existsSync(src)) continue;
    for (const f of readdirSync(src, { recursive: true })) {
      if (f.endsWith('.ts') && !f.endsWith('.spec.ts') && statSync(`${src}/${f}`).mtimeMs > at) return true;
    }
  }
  return false;
}

const fromSource = process.env.VMLAB_FROM_SOURCE === '1' || !existsSync(built) || stale();
const main = fromSource ? new URL('../src/main.ts', import.meta.url) : built;

register('../loader/hooks.js', import.meta.url, { data: { anchor: main.href, source: fromSource } });
if (fromSource) {
  const { register: tsx } = await import('tsx/esm/api');
  // The repository's compiler options (decorators), whatever folder the command runs in.
  tsx({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
}
await import(main.href);
