import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

const run = promisify(execFile);
const PACKAGES = readdirSync(join(ROOT, 'packages')).sort();
const OUT = mkdtempSync(join(tmpdir(), 'vmlab-pack-'));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

/** The files of a .tgz (a tar of 512-byte headers and blocks), by path, with their text. */
function untar(tgz: Buffer): Map<string, string> {
  const tar = gunzipSync(tgz);
  const files = new Map<string, string>();
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar
      .subarray(at, at + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (name === '') break;
    const prefix = tar
      .subarray(at + 345, at + 500)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    const size = Number.parseInt(
      tar
        .subarray(at + 124, at + 136)
        .toString('utf8')
        .trim(),
      8,
    );
    const path = prefix === '' ? name : `${prefix}/${name}`;
    files.set(path.replace(/^package\//, ''), tar.subarray(at + 512, at + 512 + size).toString('utf8'));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

const tarballs = new Map<string, string>();
beforeAll(async () => {
  // What `pnpm publish` would upload (workspace: ranges rewritten), from the build the install made.
  for (const p of PACKAGES) {
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', OUT, '--json'], { cwd: join(ROOT, 'packages', p) });
    tarballs.set(p, (JSON.parse(stdout) as { filename: string }).filename);
  }
}, 300_000);

describe.each(PACKAGES)('the packed @vmlab/%s', (p) => {
  describe('when its tarball is opened', () => {
    it('should hold its JavaScript, types, README and LICENSE, and a manifest a registry accepts', () => {
      const files = untar(readFileSync(tarballs.get(p)!));
      for (const f of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'package.json']) expect(files.has(f), `${p}: ${f}`).toBe(true);
      expect([...files.keys()].filter((f) => f.endsWith('.spec.ts') || f.includes('.spec.'))).toEqual([]);
      expect(files.get('LICENSE')).toContain('BSD 2-Clause License');
      const manifest = JSON.parse(files.get('package.json')!) as Record<string, unknown>;
      expect(manifest.private).toBeUndefined();
      expect(manifest.license).toBe('BSD-2-Clause');
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
    });
  });

  describe('when publint reads the tarball', () => {
    it('should report no error or warning', async () => {
      const tarball = readFileSync(tarballs.get(p)!);
      const { messages } = await publint({ pack: { tarball: new Uint8Array(tarball).buffer }, level: 'warning' });
      expect(messages.map((m) => `${m.type} ${m.code} ${m.path.join('.')}`)).toEqual([]);
    });
  });

  describe('when are-the-types-wrong resolves its entry (ESM-only: node16 from ESM, bundler)', () => {
    it('should find types that match the JavaScript', async () => {
      const attw = join(ROOT, 'node_modules/.bin/attw');
      const r = await run(attw, [tarballs.get(p)!, '--profile', 'esm-only', '--format', 'json', '--no-color'], { maxBuffer: 1 << 26 }).catch(
        (e: { stdout: string; code: number }) => e,
      );
      const problems =
        (JSON.parse(r.stdout) as { analysis: { problems?: { kind: string; entrypoint: string; resolutionKind: string }[] } }).analysis.problems ?? [];
      const counted = problems.filter((x) => x.resolutionKind === 'node16-esm' || x.resolutionKind === 'bundler');
      expect(counted.map((x) => `${x.kind} ${x.entrypoint} (${x.resolutionKind})`)).toEqual([]);
    });
  });
});

describe('the plugin packages', () => {
  describe('when their manifests are read', () => {
    it('should take @vmlab/core as a peer (the host provides it), never as a dependency of their own', () => {
      for (const p of ['pmap-amd64', 'pmap-arm64', 'pager-swap', 'plugins']) {
        const m = JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
        expect(m.peerDependencies?.['@vmlab/core'], p).toBeDefined();
        expect(m.dependencies?.['@vmlab/core'], p).toBeUndefined();
      }
    });
  });
});

describe('a global install of the packed tarballs', () => {
  describe('when npm installs every tarball with --prefix into a folder outside the repository', () => {
    // npm fetches the third-party dependencies (commander, yaml, zod, esbuild) from the registry.
    const prefix = join(OUT, 'global');
    const work = join(OUT, 'work');
    beforeAll(async () => {
      const all = PACKAGES.map((p) => tarballs.get(p)!);
      await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', ...all], { cwd: OUT, maxBuffer: 1 << 24 });
      mkdirSync(work);
      copyFileSync(join(ROOT, 'examples/fork-inherit.yaml'), join(work, 'fork-inherit.yaml'));
    }, 600_000);

    it('should give a vmlab command that prints the packages’ version', async () => {
      const { stdout } = await run(join(prefix, 'bin/vmlab'), ['--version'], { cwd: work });
      const version = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
      expect(stdout.trim()).toBe(version);
    });

    it('should run a scenario given by a path relative to the folder it runs in, and report its outcome', async () => {
      const { stdout } = await run(join(prefix, 'bin/vmlab'), ['run', 'fork-inherit.yaml', '--json'], { cwd: work, env: { ...process.env, CI: 'true' } });
      const out = JSON.parse(stdout) as { command: string; file: string; ok: boolean; steps: unknown[]; failures: number };
      expect([out.command, out.file, out.ok, out.failures]).toEqual(['run', 'fork-inherit.yaml', true, 0]);
      expect(out.steps.length).toBeGreaterThan(10);
    });
  });
});
