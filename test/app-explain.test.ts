// The page's explanation of a trained LSTM, in headless Chromium: click a day on the forecast chart, see that
// day's attribution heatmap, its drivers in words and its numbers; and the permutation importance bar chart.
// Screenshots go to artifacts/app-explain/.
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppInChromium, type AppInChromium } from './app/browser.js';
import { hoverAt, loadTwoSeriesCsv, text, typeInto, waitForRunState } from './app/page.js';

const ARTIFACTS = resolve('artifacts/app-explain');
const TIMEOUT = 420_000;

/** Clicks a day on the forecast chart and waits for its explanation; returns the day clicked and the LSTM's volatility there. */
async function explainAt(page: Page, fraction: number): Promise<{ day: string; lstmVolatility: number }> {
  const { x, y, legend } = await hoverAt(page, 'forecast-chart', fraction);
  const clicked = Date.now();
  await page.mouse.click(x, y);
  await page.waitForFunction((day: string) => document.getElementById('explain-numbers')?.textContent?.startsWith(`Forecast for ${day} `) || document.getElementById('explain-state')?.classList.contains('error'), { timeout: 120_000, polling: 100 }, legend.date);
  expect(await page.$eval('#explain-state', (e) => e.classList.contains('error')), await text(page, '#explain-state')).toBe(false);
  console.log(`explained ${legend.date} in ${((Date.now() - clicked) / 1000).toFixed(1)} s`);
  return { day: legend.date, lstmVolatility: Number(legend.LSTM) };
}

/** The permutation importance chart's bars, read from its hover legend: feature -> QLIKE rise. */
async function readBars(page: Page, count: number): Promise<Record<string, string>> {
  const bars: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const { legend } = await hoverAt(page, 'importance-chart', (i + 0.5) / count);
    bars[legend.feature] = legend['QLIKE rise when shuffled'];
  }
  return bars;
}

interface Explained {
  day: string;
  series: string;
  madeOn: string;
  forecast: number;
  baseline: number;
  sum: number;
  delta: number;
  errorPercent: number;
}

async function readExplanation(page: Page): Promise<Explained> {
  const numbers = await text(page, '#explain-numbers');
  const m = numbers.match(
    /^Forecast for (\S+) \((\S+)\), made at the close of (\S+): (-?\d+\.\d{3}) against (-?\d+\.\d{3}) for the baseline window, every feature at its training mean \(log-variance of the next-day percent return\)\. The attributions add up to (-?\d+\.\d{3}) of the difference (-?\d+\.\d{3}): completeness error (\d+\.\d\d)% \(integrated gradients, 32 gauss-legendre steps\)\.$/,
  );
  expect(m, numbers).not.toBeNull();
  const [, day, series, madeOn, forecast, baseline, sum, delta, errorPercent] = m!;
  return { day, series, madeOn, forecast: +forecast, baseline: +baseline, sum: +sum, delta: +delta, errorPercent: +errorPercent };
}

describe('the page explains a trained LSTM (Puppeteer, headless Chromium)', () => {
  let app: AppInChromium;
  let page: Page;

  beforeAll(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await openAppInChromium();
    page = app.page;
  });

  afterAll(() => app?.close());

  it(
    'after training, a clicked day shows its heatmap, drivers and numbers; the permutation importance has a bar per feature',
    async () => {
      await page.goto(app.url);
      await page.waitForFunction(() => /S&P 500/.test(document.getElementById('data-summary')?.textContent ?? ''), { timeout: 60_000 });
      for (const [key, value] of [['window', '10'], ['hidden', '8'], ['epochs', '2'], ['ensemble', '1']]) expect(await typeInto(page, key, value)).toBe('');
      await page.select('#opt-backend', 'webgpu'); // the engine on the GPU (SwiftShader here); 'auto' would pick the CPU for this small model
      await page.click('#train');
      const started = Date.now();
      expect(await waitForRunState(page, /^(done|failed)/, TIMEOUT), await text(page, '#run-error')).toMatch(/^done/);
      console.log(`trained and evaluated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(await text(page, '#explain-state')).toMatch(/^Click a day on the forecast chart/);
      expect(await page.$eval('#explain-day', (e) => (e as HTMLElement).hidden)).toBe(true);

      // A day in the last quarter of the test period (the COVID crash of 2020 is in it).
      const first = await explainAt(page, 0.9);
      const a = await readExplanation(page);
      expect(a.day).toBe(first.day);
      expect(a.series).toBe('adjclose'); // the bundled file's series
      expect(a.madeOn < a.day, `made on ${a.madeOn}, before ${a.day}`).toBe(true);
      // The explained forecast is the chart's LSTM forecast for that day: annualized volatility √(252·e^forecast).
      expect(Math.abs(Math.sqrt(252 * Math.exp(a.forecast)) - first.lstmVolatility), `${a.forecast} against ${first.lstmVolatility}`).toBeLessThan(0.1);
      expect(a.delta).toBeCloseTo(a.forecast - a.baseline, 2);
      expect(Math.abs(a.sum - a.delta)).toBeLessThanOrEqual(0.01 * Math.abs(a.delta) + 0.002);
      expect(a.errorPercent).toBeLessThan(1);

      // The heatmap: a cell per lag and feature, titled with its value; the cells add up to the attributions' sum.
      const cells = await page.$$eval('#explain-heatmap svg rect title', (ts) => ts.map((t) => t.textContent ?? ''));
      const features = [...new Set(cells.map((c) => c.replace(/, lag \d+: .*$/, '')))];
      expect(features.slice(0, 4)).toEqual(['return', 'log squared return', 'log mean sq. return 5d', 'log mean sq. return 22d']);
      expect(cells).toHaveLength(10 * features.length);
      const cellSum = cells.reduce((s, c) => s + Number(c.split(': ')[1]), 0);
      expect(Math.abs(cellSum - a.sum)).toBeLessThan(0.005 * cells.length + 0.01); // each title rounded to 2-3 decimals
      const svgText = await page.$eval('#explain-heatmap svg', (e) => e.textContent ?? '');
      expect(svgText).toContain(`What drove the forecast made on ${a.madeOn} (adjclose)`);
      expect(svgText).toContain('log-variance units (red raises the forecast)');
      const colours = await page.$$eval('#explain-heatmap svg rect[fill^="rgb"]', (rs) => new Set(rs.map((r) => r.getAttribute('fill'))).size);
      expect(colours).toBeGreaterThan(10); // diverging shades, not one flat colour

      // The three largest drivers in words, each a feature of the heatmap with a signed value.
      const drivers = await text(page, '#explain-drivers');
      const words = drivers.match(/^The forecast sits (\d+\.\d\d) (above|below) the baseline's \(log-variance\); the largest contributions: (.+)\.$/);
      expect(words, drivers).not.toBeNull();
      expect(Number(words![1])).toBeCloseTo(Math.abs(a.forecast - a.baseline), 1);
      const parts = words![3].split(/\), /).map((p) => p.replace(/\)$/, ''));
      expect(parts).toHaveLength(3);
      for (const p of parts) {
        const [, name, value] = p.match(/^(.+) (?:on the day itself|over the 9 days before) \(([+-]\d+\.\d\d)$/) ?? [];
        expect(features, p).toContain(name);
        expect(Number.isFinite(Number(value))).toBe(true);
      }

      // Permutation importance: one bar per feature of the heatmap, each with a finite QLIKE rise.
      const bars = await readBars(page, features.length);
      expect(Object.keys(bars)).toEqual(features);
      for (const v of Object.values(bars)) expect(Number.isFinite(Number(v)), v).toBe(true);

      await page.mouse.move(0, 0);
      await page.screenshot({ path: resolve(ARTIFACTS, 'explain-desktop.png'), fullPage: true });
      const section = (await page.$('#charts'))!;
      await section.screenshot({ path: resolve(ARTIFACTS, 'explain-charts.png') });

      // Another day replaces the first.
      const second = await explainAt(page, 0.3);
      const b = await readExplanation(page);
      expect(b.day).toBe(second.day);
      expect(b.day < a.day).toBe(true);
      expect(Math.abs(Math.sqrt(252 * Math.exp(b.forecast)) - second.lstmVolatility)).toBeLessThan(0.1);
    },
    TIMEOUT + 120_000,
  );

  it(
    'explains the series on show in a pooled run',
    async () => {
      await page.setViewport({ width: 1280, height: 900 });
      await loadTwoSeriesCsv(page, ARTIFACTS);
      expect(await typeInto(page, 'epochs', '1')).toBe('');
      await page.click('#train');
      expect(await waitForRunState(page, /^(done|failed)/, TIMEOUT), await text(page, '#run-error')).toMatch(/^done/);
      expect(await page.$eval('#explain-day', (e) => (e as HTMLElement).hidden)).toBe(true); // the earlier model's explanation is gone
      // Each series' own permutation importance: the chart follows the series picker.
      const features = ['return', 'log squared return', 'log mean sq. return 5d', 'log mean sq. return 22d']; // prices alone: no range features
      const alpha = await readBars(page, features.length);
      expect(Object.keys(alpha)).toEqual(features);
      await page.select('#series-picker', '1');
      const beta = await readBars(page, features.length);
      expect(Object.keys(beta)).toEqual(Object.keys(alpha));
      expect(beta).not.toEqual(alpha);
      for (const v of [...Object.values(alpha), ...Object.values(beta)]) expect(Number.isFinite(Number(v)), v).toBe(true);
      const clicked = await explainAt(page, 0.6);
      const b = await readExplanation(page);
      expect([b.day, b.series]).toEqual([clicked.day, 'beta']);
      expect(Math.abs(Math.sqrt(252 * Math.exp(b.forecast)) - clicked.lstmVolatility), `${b.forecast} against ${clicked.lstmVolatility}`).toBeLessThan(0.1);
    },
    TIMEOUT + 60_000,
  );

  it('fits a phone\'s width', async () => {
    await page.setViewport({ width: 390, height: 844 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The heatmap keeps a legible size and scrolls sideways inside its box.
    const heatmap = await page.$eval('#explain-heatmap', (e) => ({ box: e.getBoundingClientRect().width, picture: e.querySelector('svg')!.getBoundingClientRect().width }));
    expect(heatmap.box).toBeLessThanOrEqual(390);
    expect(heatmap.picture).toBeGreaterThanOrEqual(560);
    await (await page.$('#charts'))!.screenshot({ path: resolve(ARTIFACTS, 'explain-phone.png') });
  });
});
