// The browser app in a real browser: Puppeteer drives headless Chromium (WebGPU on SwiftShader where there is no
// GPU) against Vite's dev server. Screenshots of the finished page go to artifacts/app/.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATA_NAME } from '../src/finance/data.js';
import { modelFileToTfjs } from '../src/io/tfjs.js';
import { modelFromJSON } from '../src/model.js';
import { openAppInChromium, serveStatic, type AppInChromium, type Served } from './app/browser.js';
import { hoverLegend, loadTwoSeriesCsv, openDesktopPage, text, typeInto, waitForRunState } from './app/page.js';

const ARTIFACTS = resolve('artifacts/app');
const DOWNLOADS = resolve(ARTIFACTS, 'downloads');
const TRAIN_TIMEOUT = 420_000;
/** The models in table and chart order. */
const MODEL_LABELS = ['LSTM', 'EWMA', 'GARCH(1,1)', 'GJR-GARCH', 'HAR', 'log-HAR'];

async function waitForGpuStatus(page: Page): Promise<string | undefined> {
  await page.waitForFunction(() => document.getElementById('gpu-status')?.dataset.state !== 'checking', { timeout: 60_000 });
  return page.$eval('#gpu-status', (e) => (e as HTMLElement).dataset.state);
}

function finite(s: string): number {
  const v = Number(s.replace(/[<,]/g, ''));
  expect(Number.isFinite(v), `'${s}' should be a number`).toBe(true);
  return v;
}

describe('browser app (Puppeteer, headless Chromium, WebGPU)', () => {
  let app: AppInChromium;
  let page: Page;

  beforeAll(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(DOWNLOADS, { recursive: true });
    app = await openAppInChromium();
    page = app.page;
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: DOWNLOADS });
  });

  afterAll(() => app?.close());

  it('says at once whether WebGPU is available, and loads the bundled S&P 500', async () => {
    await page.goto(app.url);
    expect(['ok', 'fallback']).toContain(await waitForGpuStatus(page));
    expect(await text(page, '#gpu-status')).toMatch(/^WebGPU ready: \S.+/);
    expect(await page.$eval('#opt-backend', (e) => (e as HTMLSelectElement).value)).toBe('auto');
    expect(await text(page, '#data-summary')).toMatch(/S&P 500.*5,10\d rows of OHLC prices, 2000-01-03 to 2020-04-17/);
  });

  it('without WebGPU, says what to do and offers the CPU backend', async () => {
    const other = await app.browser.newPage();
    await other.evaluateOnNewDocument(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
    });
    await other.goto(app.url);
    expect(await waitForGpuStatus(other)).toBe('missing');
    expect(await text(other, '#gpu-advice')).toMatch(/Chrome .*113.*CPU backend/);
    expect(await other.$eval('#opt-backend', (e) => (e as HTMLSelectElement).value)).toBe('cpu');
    expect(await other.$eval('#opt-backend option[value=webgpu]', (e) => (e as HTMLOptionElement).disabled)).toBe(true);
    await other.close();
  });

  it('refuses invalid settings with a message next to the field', async () => {
    expect(await typeInto(page, 'window', '0')).toBe('must be from 1 to 250');
    expect(await typeInto(page, 'hidden', '8.5')).toBe('must be a whole number');
    expect(await typeInto(page, 'learningRate', 'fast')).toBe("'fast' is not a number");
    expect(await typeInto(page, 'ensemble', '3')).toMatch(/use 1 \(a single model\) or 5 to 100 members/);
    await page.click('#train');
    expect(await text(page, '#run-state')).toBe('fix the marked settings');
    expect(await page.$eval('#stop', (e) => (e as HTMLButtonElement).disabled)).toBe(true);
    expect(await page.$eval('#opt-window', (e) => e.getAttribute('aria-invalid'))).toBe('true');
    // The small model the next tests train.
    expect(await typeInto(page, 'window', '10')).toBe('');
    expect(await typeInto(page, 'hidden', '8')).toBe('');
    expect(await typeInto(page, 'learningRate', '0.003')).toBe('');
    expect(await typeInto(page, 'ensemble', '1')).toBe('');
    expect(await typeInto(page, 'epochs', '2')).toBe('');
  });

  it('shows a bad CSV file\'s error in the page, as the CLI words it', async () => {
    const bad = resolve(ARTIFACTS, 'bad.csv');
    writeFileSync(bad, 'date,close\n2020-01-02,100\n2020-01-03,abc\n2020-01-06,101\n');
    const input = await page.$('#csv-input');
    await (input as ElementHandle<HTMLInputElement>).uploadFile(bad);
    await page.waitForSelector('#data-error:not([hidden])', { timeout: 10_000 });
    expect(await text(page, '#data-error')).toBe("bad.csv: column 'close' holds 'abc' in data row 2, not a number; fix that cell or name the price columns with --price");
    expect(await text(page, '#data-summary')).toBe('');
    await page.click('#train');
    expect(await text(page, '#run-error')).toMatch(/^load data first/);
    // Excel's "Unicode text" (UTF-16, tabs) of a European file: decoded and parsed in the worker.
    const rows = Array.from({ length: 40 }, (_, i) => {
      const d = new Date(Date.UTC(2020, 0, 1 + i));
      return `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.2020\t${(2874.56 + i).toFixed(2).replace('.', ',')}`;
    });
    const utf16 = resolve(ARTIFACTS, 'unicode-text.txt');
    writeFileSync(utf16, Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(['Datum\tSchluss', ...rows].join('\r\n'), 'utf16le')]));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(utf16);
    await page.waitForFunction(() => /unicode-text\.txt: 40 rows of prices, 2020-01-01 to 2020-02-09/.test(document.getElementById('data-summary')?.textContent ?? ''), { timeout: 10_000 });
    expect(await page.$eval('#data-error', (e) => (e as HTMLElement).hidden)).toBe(true);
    await page.click('#use-bundled');
    expect(await page.$eval('#data-error', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await text(page, '#data-summary')).toMatch(/S&P 500/);
  });

  it(
    'trains a small model on WebGPU to the end and shows the loss, the forecasts and the backtests',
    async () => {
      await page.select('#opt-backend', 'webgpu'); // the default, 'auto', would train this small model on the CPU here
      await page.click('#train');
      expect(await page.$eval('#stop', (e) => (e as HTMLButtonElement).disabled)).toBe(false);
      const state = await waitForRunState(page, /^(done|failed)/, TRAIN_TIMEOUT);
      expect(state, await text(page, '#run-error')).toMatch(/^done in \d+:\d\d; best validation epoch [12] kept$/);

      const progress = await text(page, '#progress-text');
      expect(progress).toMatch(/epoch 2\/2 · step (\d+)\/\1 · [\d,]+ samples\/s · ETA 0:00 · training loss \d+\.\d{4} · validation loss \d+\.\d{4}/);
      expect(await page.$eval('#progress', (e) => (e as HTMLProgressElement).value)).toBe(1);

      const loss = await hoverLegend(page, 'loss-chart');
      expect(finite(loss.training)).toBeGreaterThan(0);

      const forecast = await hoverLegend(page, 'forecast-chart');
      expect(Object.keys(forecast)).toEqual(['date', 'realized (|return|)', ...MODEL_LABELS]);
      expect(forecast.date).toMatch(/^20(1[7-9]|20)-\d\d-\d\d$/);
      for (const model of MODEL_LABELS) {
        const vol = finite(forecast[model]);
        expect(vol).toBeGreaterThan(2); // annualized %: the S&P 500's lies between a few percent and ~100
        expect(vol).toBeLessThan(150);
      }

      // Zoom: drag across the first fifth of the forecast chart; the VaR chart follows, double-click resets.
      const over = (await page.$('#forecast-chart .u-over'))!;
      await over.scrollIntoView();
      const area = (await over.boundingBox())!;
      await page.mouse.move(area.x + area.width * 0.02, area.y + area.height / 2);
      await page.mouse.down();
      await page.mouse.move(area.x + area.width * 0.2, area.y + area.height / 2, { steps: 5 });
      await page.mouse.up();
      const zoomed = await hoverLegend(page, 'forecast-chart');
      expect(zoomed.date < forecast.date, `zoomed in on the start: ${zoomed.date} before ${forecast.date}`).toBe(true);
      expect((await hoverLegend(page, 'var-chart')).date).toBe(zoomed.date);
      // Hovering the VaR chart may have scrolled the page: find the forecast chart again before double-clicking it.
      await over.scrollIntoView();
      const again = (await over.boundingBox())!;
      await page.mouse.click(again.x + again.width / 2, again.y + again.height / 2, { count: 2 });
      expect((await hoverLegend(page, 'forecast-chart')).date).toBe(forecast.date);
      await new Promise((r) => setTimeout(r, 500));
      expect(await text(page, '#explain-state')).toMatch(/^Click a day/); // the double-click explained no day

      const risk = await hoverLegend(page, 'var-chart');
      expect(finite(risk.return)).toBeGreaterThan(-20);
      expect(finite(risk['LSTM −VaR 99%'])).toBeLessThan(0);
      const chartExceptions = Number(Object.keys(risk).find((k) => k.startsWith('LSTM exceptions'))?.match(/\((\d+)\)/)?.[1]);

      const header = await page.$$eval('#backtest-table thead th', (ths) => ths.map((t) => t.textContent));
      expect(header).toEqual(['Model', 'QLIKE', 'MSE', 'DM p vs LSTM', 'VaR99 exc (exp)', 'Kupiec p', 'Christoffersen p', 'Traffic light']);
      const rows = await page.$$eval('#backtest-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(rows.map((r) => r[0])).toEqual(MODEL_LABELS);
      for (const row of rows) {
        expect(finite(row[1])).toBeGreaterThan(0); // QLIKE
        expect(finite(row[2])).toBeGreaterThan(0); // MSE
        expect(row[4]).toMatch(/^\d+ \(\d+\.\d\)$/);
        finite(row[5]);
        finite(row[6]);
        expect(row[7]).toMatch(/^(green|yellow|red)$/);
      }
      expect(rows[0][3]).toBe('–'); // the LSTM against itself
      expect(Number(rows[0][4].split(' ')[0])).toBe(chartExceptions); // the chart's marks are the table's exceptions
      expect(await text(page, '#results-summary')).not.toMatch(/disagree/);

      const nextDay = await page.$$eval('#next-day-tables tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(nextDay).toHaveLength(6);
      for (const row of nextDay) for (const cell of row.slice(1)) expect(finite(cell)).toBeGreaterThan(0);

      await page.mouse.move(0, 0);
      await page.screenshot({ path: resolve(ARTIFACTS, 'trained-desktop.png'), fullPage: true });
    },
    TRAIN_TIMEOUT + 60_000,
  );

  it('fits a phone\'s width', async () => {
    await page.setViewport({ width: 390, height: 844 }); // (isMobile would reload the page and lose the results)
    await new Promise((r) => setTimeout(r, 500)); // the charts follow their containers' width
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const chartWidth = await page.$eval('#forecast-chart canvas', (c) => c.getBoundingClientRect().width);
    expect(chartWidth).toBeGreaterThan(300);
    expect(chartWidth).toBeLessThanOrEqual(390);
    await page.screenshot({ path: resolve(ARTIFACTS, 'trained-phone.png'), fullPage: true });
    await page.setViewport({ width: 1280, height: 900 });
  });

  it('downloads the model and the report, and forecasts from the model loaded back without training', async () => {
    await page.click('#download-model');
    await page.click('#download-report');
    const modelPath = resolve(DOWNLOADS, 'webgpu-lstm-model.json');
    const reportPath = resolve(DOWNLOADS, 'risk-report.json');
    const downloaded = (path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    };
    const deadline = Date.now() + 20_000;
    while ((!downloaded(modelPath) || !downloaded(reportPath)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(downloaded(modelPath), 'the model file was downloaded').not.toBeNull();
    expect(downloaded(reportPath), 'the report was downloaded').not.toBeNull();
    const { model, extra } = modelFromJSON(downloaded(modelPath)!);
    expect(model.config).toMatchObject({ hiddenSize: 8, layers: 1, outputs: 1, loss: 'qlike' });
    expect(extra.risk).toMatchObject({ window: 10, horizon: 1 });
    const report = JSON.parse(downloaded(reportPath)!);
    expect(report.settings).toMatchObject({ window: 10, hidden: 8, epochs: 2, backend: 'webgpu' });
    expect(report.data.source).toBe(BUNDLED_DATA_NAME); // the CLI's name for the same file
    expect(report.training.stopReason).toBe('completed');
    expect(Number.isFinite(report.forecasts.lstm.qlike)).toBe(true);
    expect(Number.isFinite(report.garch.omega)).toBe(true);
    const table = await page.$$eval('#backtest-table tbody tr td:nth-child(5)', (tds) => tds.map((td) => Number(td.textContent?.split(' ')[0])));
    expect(table).toEqual(['lstm', 'ewma', 'garch', 'gjr', 'har', 'loghar'].map((m) => report.var[m]['0.99'].exceptions));

    const input = (await page.$('#model-input')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(modelPath);
    expect(await waitForRunState(page, /^(forecast made|failed)/, 120_000)).toMatch(/^forecast made in/);
    expect(await text(page, '#results-summary')).toMatch(/^Saved model \(trained on S&P 500.*window 10, horizon 1, qlike loss, 1 member\)/);
    expect(await text(page, '#next-day-tables .table-caption')).toMatch(/^the trading day after 2020-04-17/);
    const rows = await page.$$eval('#next-day-tables tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.map((r) => r[0])).toEqual(MODEL_LABELS);
    for (const row of rows) for (const cell of row.slice(1)) expect(finite(cell)).toBeGreaterThan(0);
    expect(await page.$eval('#charts', (e) => (e as HTMLElement).hidden)).toBe(true);
    await page.click('#download-report');
    const forecastPath = resolve(DOWNLOADS, 'forecast-report.json');
    const until = Date.now() + 20_000;
    while (!downloaded(forecastPath) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    const forecast = JSON.parse(downloaded(forecastPath)!);
    expect(forecast.series[0].nextDay.after).toBe('2020-04-17');
    expect(forecast.series[0].nextDay.models.lstm.volatility.toFixed(3)).toBe(rows[0][1]);

    writeFileSync(resolve(ARTIFACTS, 'broken-model.json'), '{"format": "something else"}');
    await input.uploadFile(resolve(ARTIFACTS, 'broken-model.json'));
    await page.waitForSelector('#model-error:not([hidden])', { timeout: 30_000 });
    expect(await text(page, '#model-error')).toMatch(/not a webgpu-lstm model file/);
    // The Download button no longer offers the earlier model as if it were this one.
    expect(await page.$eval('#download-model', (e) => (e as HTMLButtonElement).disabled)).toBe(true);
    expect(await text(page, '#model-summary')).toBe('No model: broken-model.json could not be used (see the message above).');
    // A model whose forecast cannot be right (variances 1e40 too large): its row shows no VaR or ES as valid.
    const diverged = JSON.parse(downloaded(modelPath)!);
    diverged.risk.calibration = [1e40];
    writeFileSync(resolve(ARTIFACTS, 'diverged-model.json'), JSON.stringify(diverged));
    await page.$eval('#run-state', (e) => (e.textContent = ''));
    await input.uploadFile(resolve(ARTIFACTS, 'diverged-model.json'));
    expect(await waitForRunState(page, /^(forecast made|failed)/, 120_000)).toMatch(/^forecast made in/);
    const invalid = await page.$$eval('#next-day-tables tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(invalid[0][0]).toBe('LSTM (not valid)');
    expect(invalid[0].slice(2)).toEqual(Array(invalid[0].length - 2).fill('–'));
    expect(invalid[1][0]).toBe('EWMA'); // the baselines, refitted on the file, stay valid
    expect(await text(page, '#results-summary')).toMatch(/Not valid: lstm: the lstm forecast: variance .* its VaR and ES are not valid/);

    // the same model as a TF.js LayersModel (what 'webgpu-lstm convert' writes): model.json and weights.bin together
    const tfjs = modelFileToTfjs(downloaded(modelPath)!);
    mkdirSync(resolve(ARTIFACTS, 'tfjs'), { recursive: true });
    writeFileSync(resolve(ARTIFACTS, 'tfjs', 'model.json'), JSON.stringify(tfjs.modelJson));
    writeFileSync(resolve(ARTIFACTS, 'tfjs', 'weights.bin'), new Uint8Array(tfjs.weightData));
    await page.$eval('#next-day-tables', (e) => (e.innerHTML = ''));
    await page.$eval('#run-state', (e) => (e.textContent = ''));
    await input.uploadFile(resolve(ARTIFACTS, 'tfjs', 'model.json'), resolve(ARTIFACTS, 'tfjs', 'weights.bin'));
    expect(await waitForRunState(page, /^(forecast made|failed)/, 120_000)).toMatch(/^forecast made in/);
    const tfjsRows = await page.$$eval('#next-day-tables tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(tfjsRows).toEqual(rows);
    await page.$eval('#model-error', (e) => ((e as HTMLElement).hidden = true));
    await input.uploadFile(resolve(ARTIFACTS, 'tfjs', 'model.json'));
    await page.waitForSelector('#model-error:not([hidden])', { timeout: 30_000 });
    expect(await text(page, '#model-error')).toMatch(/model.json is a TF.js model: choose its weight files with it \(missing weights.bin\)/);
  });

  it(
    'stops within a step when Stop is pressed mid-training, keeps the best weights, shows their results, and the page stays responsive',
    async () => {
      expect(await typeInto(page, 'epochs', '200')).toBe('');
      await page.click('#train');
      await page.waitForFunction(() => /epoch \d+\/200 · step \d+/.test(document.getElementById('progress-text')?.textContent ?? ''), { timeout: TRAIN_TIMEOUT, polling: 100 });
      // While the worker trains, the page's own thread keeps answering: the longest gap between timer ticks.
      const longestGap = await page.evaluate(async () => {
        let last = performance.now();
        let longest = 0;
        const end = last + 1000;
        while (performance.now() < end) {
          await new Promise((r) => setTimeout(r, 0));
          const now = performance.now();
          longest = Math.max(longest, now - last);
          last = now;
        }
        return longest;
      });
      expect(longestGap).toBeLessThan(250);
      // Every progress line shown from the press on: recorded from the same task that presses Stop, since at
      // about 25 progress reports a second a Puppeteer round trip between the two would count earlier lines too.
      const pressed = Date.now();
      const before = await page.evaluate(() => {
        const el = document.getElementById('progress-text')!;
        const seen: string[] = [];
        (window as unknown as { progressAfterStop: string[] }).progressAfterStop = seen;
        new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
        document.getElementById('stop')!.click();
        return el.textContent ?? '';
      });
      expect(await waitForRunState(page, /^(stopped|done|failed)/, 60_000)).toMatch(/^stopped early in \d+:\d\d; best validation epoch \d+ kept$/);
      expect(Date.now() - pressed).toBeLessThan(30_000);
      expect(await page.$eval('#train', (e) => (e as HTMLButtonElement).disabled)).toBe(false);
      expect(await page.$eval('#stop', (e) => (e as HTMLButtonElement).disabled)).toBe(true);

      // Within a step: at most the step report already on its way and the one during which the worker saw Stop,
      // then the stopped epoch's closing record (with its validation loss); the epoch never advances past the next.
      const shown = await page.evaluate(() => (window as unknown as { progressAfterStop: string[] }).progressAfterStop);
      const steps = shown.filter((line) => !/validation loss/.test(line));
      expect(steps.length, shown.join('\n')).toBeLessThanOrEqual(2);
      expect(shown[shown.length - 1]).toMatch(/validation loss \d+\.\d{4}$/);
      const epochAt = (line: string) => Number(line.match(/epoch (\d+)\/200/)?.[1]);
      expect(before).toMatch(/epoch \d+\/200/);
      const last = await text(page, '#progress-text');
      expect(epochAt(last)).toBeGreaterThanOrEqual(epochAt(before));
      expect(epochAt(last)).toBeLessThanOrEqual(epochAt(before) + 1);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await text(page, '#progress-text')).toBe(last); // progress no longer advances

      // The stopped model's results: labelled as such, with charts and a backtest table of finite numbers.
      expect(await text(page, '#results-summary')).toMatch(new RegExp(`^Stopped early: these results are for the best weights reached before Stop\\. .*LSTM: [\\d,]+ parameters, ${epochAt(last)} epochs? \\(best \\d+\\)`));
      expect(await page.$eval('#charts', (e) => (e as HTMLElement).hidden)).toBe(false);
      const rows = await page.$$eval('#backtest-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(rows.map((r) => r[0])).toEqual(MODEL_LABELS);
      for (const row of rows) {
        expect(finite(row[1])).toBeGreaterThan(0); // QLIKE
        expect(finite(row[2])).toBeGreaterThan(0); // MSE
        expect(row[4]).toMatch(/^\d+ \(\d+\.\d\)$/);
        finite(row[5]);
        finite(row[6]);
      }
      const risk = await hoverLegend(page, 'var-chart');
      const chartExceptions = Number(Object.keys(risk).find((k) => k.startsWith('LSTM exceptions'))?.match(/\((\d+)\)/)?.[1]);
      expect(Number(rows[0][4].split(' ')[0])).toBe(chartExceptions);
      expect(await page.$eval('#download-model', (e) => (e as HTMLButtonElement).disabled)).toBe(false);
      await page.mouse.move(0, 0);
      await page.screenshot({ path: resolve(ARTIFACTS, 'stopped-desktop.png'), fullPage: true });
    },
    TRAIN_TIMEOUT + 60_000,
  );

  it(
    'trains on the CPU backend too, and Stop reaches it',
    async () => {
      await page.select('#opt-backend', 'cpu');
      await page.click('#train');
      await page.waitForFunction(() => /epoch \d+\/200 · step \d+/.test(document.getElementById('progress-text')?.textContent ?? ''), { timeout: TRAIN_TIMEOUT, polling: 100 });
      const pressed = Date.now();
      await page.click('#stop');
      expect(await waitForRunState(page, /^(stopped|done|failed)/, 60_000)).toMatch(/^stopped/);
      expect(Date.now() - pressed).toBeLessThan(30_000);
      await page.select('#opt-backend', 'webgpu');
    },
    TRAIN_TIMEOUT + 60_000,
  );

  it(
    'trains the Student-t LSTM and shows the spread of its own ν over the test days; with a 5-day horizon, the 5-day VaR backtest',
    async () => {
      const tPage = await openDesktopPage(app.browser);
      try {
        await tPage.goto(app.url);
        await waitForGpuStatus(tPage);
        for (const [key, value] of [['window', '10'], ['hidden', '8'], ['epochs', '1']]) expect(await typeInto(tPage, key, value)).toBe('');
        await tPage.select('#opt-loss', 'student-t');
        await tPage.select('#opt-backend', 'cpu');
        await tPage.click('#train');
        const state = await waitForRunState(tPage, /^(done|failed)/, TRAIN_TIMEOUT);
        expect(state, await text(tPage, '#run-error')).toMatch(/^done/);
        const summary = await text(tPage, '#results-summary');
        const nu = summary.match(/Student-t LSTM: its ν over the test days \(.*\): min (\d+\.\d\d), quartiles (\d+\.\d\d) \/ (\d+\.\d\d) \/ (\d+\.\d\d), max (\d+\.\d\d)\./);
        expect(nu, summary).not.toBeNull();
        const [min, p25, median, p75, max] = nu!.slice(1).map(Number);
        expect(min).toBeGreaterThan(2); // ν = 2 + softplus(u)
        expect(min <= p25 && p25 <= median && median <= p75 && p75 <= max).toBe(true);
        await tPage.screenshot({ path: resolve(ARTIFACTS, 'student-t-desktop.png'), fullPage: true });
        // A 5-day horizon (QLIKE): the table adds the 5-day VaR backtest, as the CLI's does.
        await tPage.select('#opt-loss', 'qlike');
        expect(await typeInto(tPage, 'horizon', '5')).toBe('');
        await tPage.click('#train');
        expect(await waitForRunState(tPage, /^(done|failed)/, TRAIN_TIMEOUT), await text(tPage, '#run-error')).toMatch(/^done/);
        expect(await text(tPage, '#results-summary')).not.toMatch(/ν over the test days/);
        const header = await tPage.$$eval('#backtest-table thead th', (ths) => ths.map((t) => t.textContent));
        expect(header.slice(-2)).toEqual(['5-day VaR99 exc (exp)', '5-day Kupiec p']);
        const rows = await tPage.$$eval('#backtest-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
        for (const row of rows) {
          expect(row[8]).toMatch(/^\d+ \(\d+\.\d\)$/);
          finite(row[9]);
        }
        await tPage.screenshot({ path: resolve(ARTIFACTS, 'horizon5-desktop.png'), fullPage: true });
      } finally {
        await tPage.close();
      }
    },
    TRAIN_TIMEOUT + 60_000,
  );

  it(
    'trains one pooled model on several price columns, and charts each series',
    async () => {
      await loadTwoSeriesCsv(page, ARTIFACTS);
      expect(await text(page, '#data-summary')).toMatch(/series: alpha, beta \(2 series, one pooled model\)/);
      expect(await typeInto(page, 'epochs', '1')).toBe('');
      await page.click('#train');
      const state = await waitForRunState(page, /^(done|failed)/, TRAIN_TIMEOUT);
      expect(state, await text(page, '#run-error')).toMatch(/^done/);
      const table = await page.$$eval('#backtest-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(table.map((r) => `${r[0]} ${r[1]}`)).toEqual(['alpha', 'beta'].flatMap((s) => MODEL_LABELS.map((m) => `${s} ${m}`)));
      for (const row of table) expect(finite(row[2])).toBeGreaterThan(0);
      expect(await page.$$eval('#series-picker option', (os) => os.map((o) => o.textContent))).toEqual(['alpha', 'beta']);
      const alpha = await hoverLegend(page, 'var-chart');
      await page.select('#series-picker', '1');
      const beta = await hoverLegend(page, 'var-chart');
      expect(beta.return).not.toBe(alpha.return);
      finite(beta['LSTM −VaR 99%']);
      await page.mouse.move(0, 0);
      await page.screenshot({ path: resolve(ARTIFACTS, 'pooled-desktop.png'), fullPage: true });
      await page.click('#use-bundled');
    },
    TRAIN_TIMEOUT + 60_000,
  );

  it(
    'runs a walk-forward backtest in the worker: progress over refits, the table, the charts and the forecasts CSV',
    async () => {
      for (const [key, value] of [['window', '10'], ['hidden', '8'], ['epochs', '1'], ['ensemble', '1']]) expect(await typeInto(page, key, value)).toBe('');
      await page.click('#walk-forward-settings summary');
      expect(await typeInto(page, 'testFrom', '2019-13-01')).toBe('must be a date like 2015-01-02');
      expect(await typeInto(page, 'refitEvery', '0')).toBe('must be from 1 to 2520');
      await page.click('#backtest');
      expect(await text(page, '#run-state')).toBe('fix the marked settings');
      for (const [key, value] of [['testFrom', '2019-10-01'], ['refitEvery', '63'], ['retrainEvery', '126']]) expect(await typeInto(page, key, value)).toBe('');
      await page.click('#backtest');
      await page.waitForFunction(() => /^refit \d\/3 · 20\d\d-\d\d-\d\d · ETA/.test(document.getElementById('progress-text')?.textContent ?? ''), { timeout: TRAIN_TIMEOUT, polling: 100 });
      const state = await waitForRunState(page, /^(backtest done|failed|stopped)/, TRAIN_TIMEOUT);
      expect(state, await text(page, '#run-error')).toMatch(/^backtest done in \d+:\d\d$/);
      expect(await text(page, '#wf-summary')).toMatch(/^Walk-forward 2019-10-01 to 2020-04-17: 138 one-day forecasts per model; baselines re-estimated 3 times, the LSTM re-trained 2 times .*Model Confidence Set on QLIKE holds/);
      const header = await page.$$eval('#wf-table thead th', (ths) => ths.map((t) => t.textContent));
      expect(header).toEqual(['Model', 'QLIKE', 'MSE', 'DM p vs LSTM', 'In MCS (QLIKE/MSE)', 'VaR99 exc (exp)', 'Kupiec p', 'Christoffersen p', 'Z2 p']);
      const rows = await page.$$eval('#wf-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(rows.map((r) => r[0])).toEqual(MODEL_LABELS);
      for (const row of rows) {
        expect(finite(row[1])).toBeGreaterThan(0);
        expect(row[4]).toMatch(/^(yes|no)\/(yes|no)$/);
        expect(row[5]).toMatch(/^\d+ \(1\.4\)$/);
      }
      const diff = await hoverLegend(page, 'wf-qlike-chart');
      expect(Object.keys(diff)).toEqual(['date', ...MODEL_LABELS.slice(1)]);
      finite(diff.HAR);
      const equity = await hoverLegend(page, 'wf-equity-chart');
      expect(Object.keys(equity)).toEqual(['date', ...MODEL_LABELS, 'buy and hold']);
      expect(finite(equity['buy and hold'])).toBeGreaterThan(0);
      expect((await hoverLegend(page, 'wf-drawdown-chart')).date).toBe(equity.date); // linked cursor and zoom
      expect(finite((await hoverLegend(page, 'wf-vol-chart')).target)).toBe(10);

      await page.click('#download-forecasts');
      const csvPath = resolve(DOWNLOADS, 'forecasts.csv');
      const deadline = Date.now() + 20_000;
      let csv = '';
      while (!csv && Date.now() < deadline) {
        try {
          csv = readFileSync(csvPath, 'utf8');
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const lines = csv.trimEnd().split('\n');
      expect(lines).toHaveLength(139);
      expect(lines[0]).toMatch(/^series,date,return,target,lstm_variance,lstm_var95,lstm_var99,lstm_es975,lstm_weight,/);
      expect(lines[1]).toMatch(/^adjclose,2019-10-01,/);
      await page.mouse.move(0, 0);
      await page.screenshot({ path: resolve(ARTIFACTS, 'walk-forward-desktop.png'), fullPage: true });
    },
    TRAIN_TIMEOUT + 60_000,
  );

  it(
    'builds to static files that a plain web server hosts under any path (vite build)',
    async () => {
      const outDir = mkdtempSync(join(tmpdir(), 'webgpu-lstm-app-'));
      const built = await app.browser.newPage();
      let site: Served | undefined;
      try {
        await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
        expect(readdirSync(join(outDir, 'assets')).some((f) => /^worker-.*\.js$/.test(f))).toBe(true);
        site = await serveStatic(outDir);
        await built.goto(site.url);
        expect(['ok', 'fallback']).toContain(await waitForGpuStatus(built));
        expect(await built.evaluate(() => crossOriginIsolated)).toBe(false); // no special headers: Stop goes by message
        expect(await text(built, '#data-summary')).toMatch(/S&P 500/);
        for (const [key, value] of [['window', '10'], ['hidden', '8'], ['epochs', '1']]) expect(await typeInto(built, key, value)).toBe('');
        await built.click('#train');
        const state = await waitForRunState(built, /^(done|failed)/, TRAIN_TIMEOUT);
        expect(state, await text(built, '#run-error')).toMatch(/^done/);
        const qlike = await built.$$eval('#backtest-table tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
        expect(qlike).toHaveLength(6);
        for (const q of qlike) expect(q).toBeGreaterThan(0);
        await built.screenshot({ path: resolve(ARTIFACTS, 'static-build.png'), fullPage: true });
      } finally {
        await built.close();
        await site?.close();
        rmSync(outDir, { recursive: true, force: true });
      }
    },
    TRAIN_TIMEOUT + 60_000,
  );
});
