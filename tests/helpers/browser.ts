import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from './scenario.ts';

/** Debian's Chromium: the browser tests drive it and never download one (`.ci/run` installs it). */
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the browser tests, kept as test artifacts (git-ignored). */
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

/** Launches headless Chromium; without it the test fails saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM}: install it with 'apt-get install -y chromium' (.ci/run does)`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page whose console errors and uncaught exceptions are collected in `errors`. */
export async function watchedPage(b: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await b.newPage({ viewport: { width: 1500, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // The pages are self-contained: any request leaving file:// is an error.
  await page.route(/^(?!file:|data:|about:)/, (route) => {
    errors.push(`network request: ${route.request().url()}`);
    return route.abort();
  });
  return { page, errors };
}

/** Saves a full-page screenshot under tests/artifacts/. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
