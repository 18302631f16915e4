import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCommand } from '@vmlab/cli';
import { compareReports } from '@vmlab/lab';
import { launchChromium, keepScreenshot, watchedPage } from '../helpers/browser.ts';
import { EXAMPLES, exampleScenario, problems, runScenario, scenarioFrom } from '../helpers/scenario.ts';

async function compareJsonOf(file: string, flags: { machines?: string; html?: string } = {}): Promise<{ code: number; doc: any }> {
  let out = '';
  const code = await compareCommand(file, { ...flags, json: true }, (s) => {
    out += s;
  });
  return { code, doc: JSON.parse(out) };
}

describe('vmlab compare', () => {
  it('guards, fork and swapout: MD steps differ, MI outcomes are identical', async () => {
    const { code, doc } = await compareJsonOf(resolve(EXAMPLES, 'compare-bti.yaml'));
    expect(code).toBe(0);
    expect(doc.machines).toEqual(['amd64', 'arm64']);
    expect(doc.firstDivergence).toMatchObject({ op: 'sysarch', md: true });
    expect(doc.firstMiDivergence).toBeNull();
    const differing = doc.steps.filter((s: any) => s.differs).map((s: any) => s.op);
    expect(differing).toEqual(['sysarch', 'fetch', 'check', 'fetch']);
    expect(doc.counters.arm64['bti.guard_calls']).toBe(1);
    expect(doc.counters.amd64['bti.guard_calls']).toBe(0);
    const swap = doc.steps.find((s: any) => s.op === 'swapout');
    expect(swap.outcomes.amd64).toEqual(swap.outcomes.arm64);
  });

  it('deferred shootdown saves IPIs on a munmap-heavy scenario and stale_tlb holds under both', async () => {
    const { code, doc } = await compareJsonOf(resolve(EXAMPLES, 'compare-tlb.yaml'));
    expect(code).toBe(0);
    expect(doc.counters.amd64['tlb.ipi']).toBeGreaterThan(0);
    expect(doc.counters['amd64-deferred']['tlb.ipi']).toBe(0);
    expect(doc.counters.arm64['tlb.broadcast']).toBeGreaterThan(0);
    expect(doc.counters.arm64['tlb.ipi']).toBe(0);
    for (const r of doc.runs) expect(r.violations).toEqual([]);
  });

  it('a stale translation is observable under deferred shootdown until the context switch', async () => {
    const reports = await runScenario(exampleScenario('compare-tlb-stale.yaml'));
    for (const r of reports) expect(problems(r)).toBe('');
    const [imm, def] = reports;
    expect(imm!.steps[6]!.outcome).toMatchObject({ signal: 'SIGSEGV' });
    expect(def!.steps[6]!.outcome).toEqual({ value: 0x5a });
  });

  it('names the first machine-independent divergence between policies and exits 1 on a failed expectation', async () => {
    const s = scenarioFrom(`
name: t
machines: [amd64, { name: def, arch: amd64, policies: { tlb.shootdown: deferred } }]
steps:
  - spawn: { pid: 1, cpu: 0 }
  - thread: { pid: 1, tid: 1, cpu: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }
  - read: { pid: 1, tid: 1, addr: a }
  - munmap: { pid: 1, addr: a, len: 1 page }
  - read: { pid: 1, tid: 1, addr: a, expect: { value: 0 } }
`);
    const c = compareReports(s, await runScenario(s));
    expect(c.firstDivergence).toMatchObject({ index: 5, op: 'read', md: false });
    expect(c.firstMiDivergence).toMatchObject({ index: 5 });
    expect(c.ok).toBe(false);
    expect(c.reports[0]!.failures.length).toBe(1);
    expect(c.reports[1]!.failures.length).toBe(0);
  });

  it('--machines overrides the file; bad machine names are input errors', async () => {
    const { doc } = await compareJsonOf(resolve(EXAMPLES, 'bti-freebsd-prot.yaml'), { machines: 'arm64,amd64' });
    expect(doc.machines).toEqual(['arm64', 'amd64']);
    await expect(compareJsonOf(resolve(EXAMPLES, 'bti-guard.yaml'), { machines: 'arm65' })).rejects.toThrow(/unknown machine 'arm65'/);
  });

  it('--html writes a self-contained report with the charts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmlab-compare-'));
    const html = join(dir, 'report.html');
    await compareJsonOf(resolve(EXAMPLES, 'compare-tlb.yaml'), { html });
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('<svg');
    expect(text).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']https?:/);
  });

  // Needs Debian's chromium (apt-get install -y chromium; .ci/run installs it): fails, never skips, without it.
  it('--html report opens in headless Chromium with no errors, one column per machine, differing counters first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmlab-compare-'));
    const html = join(dir, 'report.html');
    const { doc } = await compareJsonOf(resolve(EXAMPLES, 'compare-tlb.yaml'), { html });
    const browser = await launchChromium();
    try {
      const { page, errors } = await watchedPage(browser);
      await page.goto(`file://${html}`);
      const cols = await page.$$eval('#outcomes thead th.machine', (ths) => ths.map((t) => t.textContent));
      expect(cols).toEqual(['amd64', 'arm64', 'amd64-deferred', 'arm64-deferred']);
      const firstRowCells = await page.$$eval('#outcomes tbody tr:first-child td', (tds) => tds.length);
      expect(firstRowCells).toBe(3 + 4);
      // The counters that differ, and only those, are charted and listed first; the rest are in one collapsed table.
      const names = Object.keys(doc.counters.amd64);
      const differ = names.filter((k) => doc.machines.some((m: string) => doc.counters[m][k] !== doc.counters.amd64[k]));
      expect(differ.length).toBeGreaterThan(1);
      expect(await page.$$eval('svg.chart', (s) => s.map((x) => x.getAttribute('aria-label')))).toEqual(differ);
      expect(await page.$$eval('#counters-differ tbody tr td:first-child', (t) => t.map((x) => x.textContent))).toEqual(differ);
      expect(await page.$$eval('#counters-equal tr td:first-child', (t) => t.map((x) => x.textContent))).toEqual(names.filter((k) => !differ.includes(k)));
      expect(await page.$eval('#counters-equal', (d) => (d as unknown as { open: boolean }).open)).toBe(false);
      // Machine labels of the charts are never clipped: each lies inside its SVG.
      const clipped = await page.$$eval('svg.chart text.label', (ts) =>
        ts.filter((t) => (t as unknown as { getBBox(): { x: number } }).getBBox().x < 0).map((t) => t.textContent),
      );
      expect(clipped).toEqual([]);
      // The legend names each machine's non-default policies.
      expect(await page.textContent('#legend li[data-machine="amd64-deferred"]')).toContain('tlb.shootdown=deferred');
      // The differences-only toggle hides the rows that are the same everywhere.
      const all = await page.$$eval('#outcomes tbody tr', (r) => r.length);
      const diffRows = doc.steps.filter((x: any) => x.differs).length;
      await page.check('#only-diffs');
      expect(await page.$$eval('#outcomes tbody tr', (r) => r.filter((x) => (x as unknown as { offsetParent: unknown }).offsetParent !== null).length)).toBe(
        diffRows,
      );
      expect(diffRows).toBeLessThan(all);
      // Each step links into the viewer written beside the report.
      const href = await page.getAttribute('#outcomes tbody tr:first-child td[data-machine="arm64"] a.view', 'href');
      expect(href).toBe('report.view.html#machine=arm64&cmd=1');
      expect(existsSync(join(dir, 'report.view.html'))).toBe(true);
      await keepScreenshot(page, 'compare-tlb');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60000);
});
