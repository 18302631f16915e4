// Builds the vmlab command's JavaScript: one esbuild bundle of the command and every
// @vmlab package it hosts (tsc writes the .d.ts beside it). Code splitting keeps each
// command in its own chunk, loaded when that command runs, and gives each hosted package
// an entry under dist/host/ that shares the command's module instances: loader/hooks.js
// sends a plugin's `@vmlab/*` and `inversify` imports there, so a plugin loaded by path
// sees the very classes and tokens the machine is built from.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import * as esbuild from 'esbuild';

const here = new URL('..', import.meta.url).pathname;
export const HOSTED = ['core', 'lab', 'pmap-amd64', 'pmap-arm64', 'pager-swap', 'plugins'];

rmSync(`${here}dist/chunks`, { recursive: true, force: true });
rmSync(`${here}dist/host`, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: here,
  entryPoints: {
    main: 'src/main.ts',
    index: 'src/index.ts',
    'host/inversify': 'loader/inversify.js',
    ...Object.fromEntries(HOSTED.map((p) => [`host/${p}`, `../${p}/src/index.ts`])),
  },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['vmlab-source'],
  // esbuild compiles the plugin files at run time; it stays a dependency of its own.
  external: ['esbuild'],
  // Bundled CommonJS packages (commander) may call require().
  banner: { js: "import { createRequire as __vmlabRequire } from 'node:module'; const require = __vmlabRequire(import.meta.url);" },
  tsconfigRaw: { compilerOptions: { experimentalDecorators: true, verbatimModuleSyntax: false } },
  logLevel: 'warning',
});

// The demo's scenarios, for an installed vmlab (commands/demo.ts finds the nearest examples/).
mkdirSync(`${here}dist/examples`, { recursive: true });
for (const f of ['demo.yaml', 'pkru-swapout.yaml', 'explore-split-race.yaml']) cpSync(`${here}../../examples/${f}`, `${here}dist/examples/${f}`);
