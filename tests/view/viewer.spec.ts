import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { compareCommand, exploreCommand, replayCommand, runCommand, viewCommand } from '@vmlab/cli';
import { keepScreenshot, launchChromium, watchedPage } from '../helpers/browser.ts';
import { EXAMPLES } from '../helpers/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-viewer-'));
const quiet = () => {};

/** `replay --until k --json`'s state: what the viewer must show at command k. */
async function stateAt(log: string, k: number): Promise<any> {
  let out = '';
  await replayCommand(log, { until: String(k), json: true }, (s) => (out += s));
  return JSON.parse(out).state;
}

async function view(logs: string[], out: string): Promise<string> {
  let printed = '';
  expect(await viewCommand(logs, { output: out }, (s) => (printed += s))).toBe(0);
  expect(printed.trim()).toBe(out);
  return out;
}

/** Moves the viewer to command k with the keyboard (Home, then right arrows). */
async function stepTo(page: import('playwright-core').Page, k: number): Promise<void> {
  await page.keyboard.press('Home');
  for (let i = 1; i < k; i++) await page.keyboard.press('ArrowRight');
  expect(await page.inputValue('#cmd-slider')).toBe(String(k));
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60000);
afterAll(async () => {
  await browser?.close();
});

describe('vmlab view in headless Chromium', () => {
  describe('when given the D15293 counterexample of explore', () => {
    it('should show the map, the chain, the lanes of the race and the broken invariant as the log holds them', async () => {
      const log = join(dir, 'race.jsonl');
      expect(await exploreCommand(resolve(EXAMPLES, 'races/d15293-swap-split/legacy.yaml'), { log }, quiet)).toBe(0);
      const html = await view([log], join(dir, 'race.html'));
      const text = readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
      const cmds = text.filter((l) => l.type === 'command');
      const sched = text.filter((l) => l.type === 'sched');
      const { page, errors } = await watchedPage(browser);
      await page.goto(`file://${html}`);
      await page.waitForSelector('body[data-ready]');
      expect(await page.getAttribute('#cmd-slider', 'max')).toBe(String(cmds.length));
      const write = cmds.find((c) => c.thread === 0)!;
      await stepTo(page, write.seq);
      expect(await page.textContent('#cmd-label')).toContain(`command ${write.seq} of ${cmds.length}: line ${write.line} write [thread 0]`);
      const st = await stateAt(log, write.seq);
      for (const p of st.processes) {
        const rows = await page.$$eval(`.proc[data-pid="${p.pid}"] table.entries tbody tr`, (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 9).map((td) => td.textContent)),
        );
        expect(rows).toEqual(
          p.entries.map((e: any) => [
            `0x${e.start.toString(16)}`,
            `0x${e.end.toString(16)}`,
            e.prot,
            e.maxprot,
            e.inherit,
            String(e.wired),
            e.shared ? 'shared' : 'private',
            e.object === null ? '-' : String(e.object),
            String(e.offset),
          ]),
        );
      }
      const nodes = await page.$$eval('#chain-graph g.object', (gs) =>
        gs.map((g) => ({
          id: Number(g.getAttribute('data-object')),
          refs: Number(g.getAttribute('data-refs')),
          resident: Number(g.getAttribute('data-resident')),
          swapped: Number(g.getAttribute('data-swapped')),
        })),
      );
      expect(nodes).toEqual(st.objects.map((o: any) => ({ id: o.id, refs: o.refs, resident: o.resident, swapped: o.swapped })));
      // One lane per thread; the slices end at the logged yield reasons, the first one preempted.
      const slices = await page.$$eval('svg.lanes g.slice', (gs) =>
        gs.map((g) => ({ thread: Number(g.getAttribute('data-thread')), reason: g.getAttribute('data-reason'), preempted: g.classList.contains('preempted') })),
      );
      expect(slices.map((s) => s.thread)).toEqual(sched.map((s) => s.chosen));
      expect(slices.slice(0, -1).map((s) => s.reason)).toEqual(sched.slice(1).map((s) => s.reason));
      expect(slices[0]).toMatchObject({ reason: 'swap_pager_getpages: wait for buffer', preempted: true });
      expect(slices.some((s) => s.reason === 'vm_object_split: page busy')).toBe(true);
      expect(await page.$$eval('svg.lanes .lane-label', (t) => t.length)).toBe(2);
      expect(await page.$$eval('svg.lanes g.slice.broke', (g) => g.length)).toBeGreaterThan(0);
      expect(await page.textContent('#problems')).toContain('object_repopulated');
      expect(await page.$$eval('#timeline .violation', (v) => v.map((x) => x.getAttribute('data-invariant')))).toContain('object_repopulated');
      // The counters are the replayed ones; the timeline groups the command's events, MD ones apart, filterable by kind.
      for (const [k, v] of Object.entries(st.counters as Record<string, number>)) if (v > 0) expect(await page.textContent('#memory')).toContain(`${k} ${v}`);
      const kinds = await page.$$eval(`#timeline .cmd[data-seq="${write.seq}"] .event`, (e) =>
        e.map((x) => `${x.getAttribute('data-kind')}:${x.classList.contains('md') ? 'md' : 'mi'}`),
      );
      const logged = text.filter((l) => l.type === 'event' && l.event.cause === write.seq).map((l) => l.event.kind);
      expect(kinds.map((k) => k.split(':')[0])).toEqual(logged);
      expect(kinds).toContain('pmap_enter:md');
      expect(kinds).toContain('fault:mi');
      expect(logged).toContain('pagein');
      const i = await page.$$eval('#filters label.kind', (ls) => ls.findIndex((l) => l.textContent!.trim() === 'pagein'));
      await page.locator('#filters label.kind input').nth(i).uncheck();
      const filtered = await page.$$eval(`#timeline .cmd[data-seq="${write.seq}"] .event`, (e) => e.map((x) => x.getAttribute('data-kind')));
      expect(filtered).toEqual(logged.filter((k) => k !== 'pagein'));
      // The fork's split reshapes the chain: stepping to the fork shows a new object or a changed one.
      await page.keyboard.press('ArrowRight');
      const after = await stateAt(log, write.seq + 1);
      expect(await page.$$eval('#chain-graph g.object', (g) => g.length)).toBe(after.objects.length);
      // Clicking an event's command selects it.
      await page.click(`#timeline .cmd[data-seq="${write.seq}"] .cmd-head`);
      expect(await page.inputValue('#cmd-slider')).toBe(String(write.seq));
      await keepScreenshot(page, 'viewer-d15293');
      expect(errors).toEqual([]);
      await page.close();
    }, 60000);
  });

  describe('when given the PKRU swapout compare (one log per machine)', () => {
    it('should keep the key range across swapout on amd64 and lose it on amd64-legacy', async () => {
      const report = join(dir, 'pkru.html');
      await compareCommand(resolve(EXAMPLES, 'pkru-swapout.yaml'), { html: report }, quiet);
      const { page, errors } = await watchedPage(browser);
      await page.goto(`file://${join(dir, 'pkru.view.html')}#machine=amd64&cmd=5`);
      await page.waitForSelector('body[data-ready]');
      expect(await page.$$eval('#machines button', (b) => b.map((x) => x.textContent))).toEqual(['amd64', 'amd64-legacy']);
      const ranges = () =>
        page.$$eval('svg.vamap g.md-range', (g) =>
          g.map((x) => `${x.getAttribute('data-start')}-${x.getAttribute('data-end')} ${x.getAttribute('data-label')}`),
        );
      expect(await ranges()).toEqual(['0x10000000-0x10002000 pkru_keys key 5']);
      // The PTEs of the range carry key 5.
      await page.click('svg.vamap g.entry');
      expect(await page.$$eval('#pte-table td.pte-md', (t) => t.map((x) => x.textContent))).toEqual(['pkey 5', 'pkey 5']);
      await page.keyboard.press('ArrowRight'); // swapout
      expect(await page.textContent('#cmd-label')).toContain('swapout');
      expect(await ranges()).toEqual(['0x10000000-0x10002000 pkru_keys key 5']);
      expect(await page.$$eval('#pte-table td.pte', (t) => t.map((x) => x.textContent))).toEqual(['not present', 'not present']);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight'); // pkey_set key 5 deny access
      expect(await page.textContent('.thread-md[data-tid="0"]')).toBe(`thread 0: pkru 0x${(1 << 10).toString(16)}`);
      await keepScreenshot(page, 'viewer-pkru-amd64');
      await page.click('#machines button:nth-child(2)');
      await stepTo(page, 6);
      expect(await ranges()).toEqual([]);
      const st = await stateAt(join(dir, 'pkru.amd64-legacy.jsonl'), 6);
      expect(st.processes[0].md.ranges.pkru_keys).toEqual([]);
      await keepScreenshot(page, 'viewer-pkru-legacy');
      expect(errors).toEqual([]);
      await page.close();
    }, 60000);
  });

  describe('when given the 1 TiB sparse example', () => {
    it('should draw the terabyte entry and list only the pages that hold something', async () => {
      const log = join(dir, 'sparse.jsonl');
      await runCommand(resolve(EXAMPLES, 'sparse-1tib.yaml'), { log }, quiet);
      const html = await view([log], join(dir, 'sparse.html'));
      const { page, errors } = await watchedPage(browser);
      await page.goto(`file://${html}`);
      await page.waitForSelector('body[data-ready]');
      const n = Number(await page.getAttribute('#cmd-slider', 'max'));
      for (let k = 1; k <= n; k++) {
        await stepTo(page, k);
        const st = await stateAt(log, k);
        const bands = await page.$$eval('svg.vamap g.entry', (g) =>
          g.map((x) => `${x.getAttribute('data-start')}-${x.getAttribute('data-end')} ${x.getAttribute('data-prot')}`),
        );
        expect(bands).toEqual(st.processes.flatMap((p: any) => p.entries.map((e: any) => `0x${e.start.toString(16)}-0x${e.end.toString(16)} ${e.prot}`)));
        if (k === 8) {
          // after pageout: both pages on swap, 512 GiB apart
          await page.click('svg.vamap g.entry');
          expect(
            await page.$$eval('#pte-table tbody tr', (r) => r.map((x) => `${x.getAttribute('data-va')} ${x.querySelector('td.page')!.textContent}`)),
          ).toEqual(['0x10000000 on swap in 1', '0x8010000000 on swap in 1']);
        }
      }
      const w = await page.$$eval('svg.vamap g.entry rect', (r) => r.map((x) => Number(x.getAttribute('width'))));
      for (const x of w) expect(x).toBeGreaterThan(2);
      await keepScreenshot(page, 'viewer-sparse-1tib');
      expect(errors).toEqual([]);
      await page.close();
    }, 120000);
  });
});
