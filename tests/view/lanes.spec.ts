import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand, runCommand, serveFile, viewCommand } from '@vmlab/cli';
import { InputError } from '@vmlab/lab';
import { EXAMPLES } from '../helpers/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-lanes-'));

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    })
      .on('error', fail)
      .end();
  });
}

describe('races as text lanes', () => {
  describe('when explore finds the D15293 race', () => {
    it('should print one column per thread, the yield reasons, the preemption and the broken invariant', async () => {
      let out = '';
      await exploreCommand(resolve(EXAMPLES, 'explore-split-race.yaml'), { log: join(dir, 'race.jsonl') }, (s) => (out += s));
      const lines = out.split('\n');
      const head = lines.findIndex((l) => l.includes('concurrent step at line 31: 2 threads'));
      expect(head).toBeGreaterThan(0);
      expect(lines[head + 1]).toMatch(/thread 0 \(pid 1 tid 0\)\s+\| thread 1 \(pid 1 tid 1\)/);
      const bar = lines[head + 1]!.indexOf('|');
      const left = (t: string) => lines.find((l) => l.includes(t) && l.indexOf(t) < bar);
      const right = (t: string) => lines.find((l) => l.includes(t) && l.indexOf(t) > bar);
      expect(left('>> yield: swap_pager_getpages: wait for buffer')).toBeDefined();
      expect(right('#18 fork')).toBeDefined();
      expect(right('yield: vm_object_split: page busy')).toBeDefined();
      expect(lines.some((l) => /!! object_repopulated: object 1 was repopulated/.test(l))).toBe(true);
    });
  });

  describe('when run -v runs a scenario with a schedule', () => {
    it('should print the lanes that schedule gives', async () => {
      let out = '';
      await runCommand(resolve(EXAMPLES, 'swap-split-race.yaml'), { verbose: true }, (s) => (out += s));
      expect(out).toMatch(/concurrent step at line \d+: 2 threads, 5 slices/);
      expect(out).toContain('yield: vm_fault: map locked');
      let quiet = '';
      await runCommand(resolve(EXAMPLES, 'swap-split-race.yaml'), {}, (s) => (quiet += s));
      expect(quiet).not.toContain('concurrent step at line');
    });
  });
});

describe('vmlab view', () => {
  it('should write beside the first log by default, named after it, and print the path', async () => {
    const log = join(dir, 'plain.jsonl');
    await runCommand(resolve(EXAMPLES, 'fork-inherit.yaml'), { log }, () => {});
    let printed = '';
    expect(await viewCommand([log], {}, (s) => (printed += s))).toBe(0);
    expect(printed).toBe(join(dir, 'plain.html'));
    const html = readFileSync(join(dir, 'plain.html'), 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('should refuse a file that is not a run log (exit 2 as InputError)', async () => {
    const bad = join(dir, 'bad.jsonl');
    copyFileSync(resolve(EXAMPLES, 'fork-inherit.yaml'), bad);
    await expect(viewCommand([bad], { output: join(dir, 'bad.html') }, () => {})).rejects.toBeInstanceOf(InputError);
    expect(existsSync(join(dir, 'bad.html'))).toBe(false);
  });

  it('--serve serves its own file on 127.0.0.1 and nothing else', async () => {
    const file = join(dir, 'plain.html');
    const { url, close } = await serveFile(file);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/plain\.html$/);
      const root = url.replace(/\/plain\.html$/, '');
      expect((await get(url)).body).toBe(readFileSync(file, 'utf8'));
      expect((await get(`${root}/`)).status).toBe(200);
      expect((await get(`${root}/plain.jsonl`)).status).toBe(404);
      expect((await get(`${root}/../../etc/passwd`)).status).toBe(404);
    } finally {
      close();
    }
  });
});
