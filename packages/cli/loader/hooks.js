// Module resolution hooks of the vmlab command (registered by bin/vmlab.js).
//
// - `@vmlab/*` (and, from the build, `inversify`) resolve to the command's own copies,
//   whoever imports them: a plugin in a folder of its own, with or without node_modules,
//   gets the host's core (one class per token, one inversify container library). From the
//   build those are the dist/host/ entries of the bundle (scripts/bundle.js); from sources,
//   what the command's entry resolves. A name the host does not have resolves as usual.
// - From sources (no build), the `vmlab-source` condition is added, so the workspace's
//   packages resolve to their TypeScript entries (tsx compiles them).
// - From the build, a `.ts` plugin file (and what it imports) is compiled with esbuild,
//   loaded on the first such file only: the command's start-up does not pay for it.

let anchor = '';
let source = false;
let esbuild;
const HOSTED = new Set(['core', 'lab', 'pmap-amd64', 'pmap-arm64', 'pager-swap', 'plugins']);

export function initialize(data) {
  anchor = data.anchor;
  source = data.source;
}

/** The bundle's entry for a package the command hosts, or undefined. */
function hosted(specifier) {
  if (source) return undefined;
  if (specifier === 'inversify') return new URL('../dist/host/inversify.js', anchor).href;
  const m = /^@vmlab\/([a-z0-9-]+)$/.exec(specifier);
  return m !== null && HOSTED.has(m[1]) ? new URL(`../dist/host/${m[1]}.js`, anchor).href : undefined;
}

const TS = /\.[cm]?tsx?$/;

export async function resolve(specifier, context, next) {
  const ctx = source && !context.conditions.includes('vmlab-source') ? { ...context, conditions: [...context.conditions, 'vmlab-source'] } : context;
  const host = hosted(specifier);
  if (host !== undefined && context.parentURL?.startsWith(new URL('../dist/', anchor).href) !== true) return { url: host, format: 'module', shortCircuit: true };
  if (specifier.startsWith('@vmlab/') && context.parentURL !== anchor) {
    try {
      return await next(specifier, { ...ctx, parentURL: anchor });
    } catch {
      // not one of the host's packages: the importer's own resolution below
    }
  }
  try {
    return await next(specifier, ctx);
  } catch (e) {
    // TypeScript's NodeNext style: `./x.js` in a .ts file names ./x.ts.
    if (!source && specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL !== undefined && TS.test(context.parentURL)) {
      return next(`${specifier.slice(0, -3)}.ts`, ctx);
    }
    throw e;
  }
}

export async function load(url, context, next) {
  if (source || !url.startsWith('file:') || !TS.test(new URL(url).pathname)) return next(url, context);
  esbuild ??= await import('esbuild');
  const { readFile } = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  const file = fileURLToPath(url);
  const out = await esbuild.transform(await readFile(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: file,
    sourcemap: 'inline',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, verbatimModuleSyntax: false } },
  });
  return { format: 'module', source: out.code, shortCircuit: true };
}
