// What the page tests do on the app's page as a user would: read a text, type a setting, hover a chart and read its
// legend, wait for the run to reach a state, load a CSV file of two price series.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer';

/** A new tab at desktop size (1280x900) that logs the page's uncaught errors to the test's output. */
export async function openDesktopPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.setViewport({ width: 1280, height: 900 });
  return page;
}

/** An element's visible text, trimmed. */
export const text = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLElement).innerText.trim());

/** Sets a field as a user would (select all, type) and returns the message shown next to it. */
export async function typeInto(page: Page, key: string, value: string): Promise<string> {
  await page.click(`#opt-${key}`, { count: 3 });
  await page.keyboard.press('Backspace');
  await page.type(`#opt-${key}`, value);
  return page.$eval(`#opt-${key}-error`, (e) => e.textContent ?? '');
}

/** Waits until the run state matches `pattern` and returns it. */
export async function waitForRunState(page: Page, pattern: RegExp, timeout: number): Promise<string> {
  await page.waitForFunction((source: string) => new RegExp(source).test(document.getElementById('run-state')?.textContent ?? ''), { timeout, polling: 250 }, pattern.source);
  return text(page, '#run-state');
}

/** Moves the mouse to a fraction of a chart's plot area (from the left, half-way down); returns that point and the chart's legend there: label -> value shown. */
export async function hoverAt(page: Page, chart: string, fraction: number): Promise<{ x: number; y: number; legend: Record<string, string> }> {
  const over = (await page.$(`#${chart} .u-over`))!;
  await over.scrollIntoView();
  const box = (await over.boundingBox())!;
  const x = box.x + box.width * fraction, y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await new Promise((r) => setTimeout(r, 200));
  const legend = await page.$$eval(`#${chart} .u-legend .u-series`, (rows) =>
    Object.fromEntries(rows.map((r) => [r.querySelector('.u-label')?.textContent ?? '', r.querySelector('.u-value')?.textContent ?? ''])),
  );
  return { x, y, legend };
}

/** Hovers the middle of a chart's plot area and returns its legend: label -> value shown. */
export async function hoverLegend(page: Page, chart: string): Promise<Record<string, string>> {
  return (await hoverAt(page, chart, 0.5)).legend;
}

/**
 * Writes the bundled S&P 500 file's open and adjusted close as two price series, alpha and beta, to
 * `dir`/two-series.csv and loads that file in the page.
 */
export async function loadTwoSeriesCsv(page: Page, dir: string): Promise<void> {
  const path = join(dir, 'two-series.csv');
  const sp500 = readFileSync(join(dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..', 'data', 'sp500-2000.csv'), 'utf8');
  const rows = sp500.trim().split('\n').slice(1).map((line) => line.split(','));
  writeFileSync(path, ['date,alpha,beta', ...rows.map(([date, open, , , , adjclose]) => `${date},${open},${adjclose}`)].join('\n'));
  await ((await page.$('#csv-input')) as ElementHandle<HTMLInputElement>).uploadFile(path);
  await page.waitForFunction(() => /two-series\.csv/.test(document.getElementById('data-summary')?.textContent ?? ''), { timeout: 10_000 });
}
