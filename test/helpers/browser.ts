import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export interface DrawnChart {
  readonly name: string;
  readonly error: string | null;
  readonly marks: number;
}

/**
 * Opens a report page from a file in headless Chromium with every other request refused, waits
 * until each `.chart` holds a drawing (or an error), and returns what was drawn, the console
 * errors and warnings and page errors, and the requests refused; `also` runs on the page first.
 */
export async function openReport(html: string, also?: (page: Page) => Promise<void>): Promise<{ drawn: DrawnChart[]; problems: string[]; requested: string[] }> {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-report-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    // Anything but the file itself would be a network access: refuse it, and remember it.
    const requested: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === pathToFileURL(file).href) return route.continue();
      requested.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // Browser code as strings: the project compiles without the DOM types.
    await page.waitForFunction(
      `[...document.querySelectorAll('.chart')].every((e) => e.querySelector('svg, canvas') !== null || e.classList.contains('chart-error'))`,
      undefined,
      { timeout: 10_000 },
    );
    const drawn = await page.evaluate<DrawnChart[]>(
      `[...document.querySelectorAll('.chart')].map((e) => ({
        name: e.dataset.chart,
        error: e.classList.contains('chart-error') ? e.textContent : null,
        marks: e.querySelectorAll('svg.marks g.role-mark').length,
      }))`,
    );
    if (also) await also(page);
    return { drawn, problems, requested };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
