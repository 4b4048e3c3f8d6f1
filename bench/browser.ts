import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer';
import { UserError } from '../src/index.js';
import type { Runner } from './runner.js';

const CHROMIUM_ARGS = [
  '--no-sandbox', // root in a container
  '--enable-unsafe-webgpu',
  // this network is closed and the page must not be throttled while it trains
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

/** Headless Chromium on one page (bench/index.html, served by `serve`); every run happens on that page. */
export async function openBrowserRunner(serve: () => Promise<string>, log: (line: string) => void): Promise<Runner> {
  const executablePath = process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new UserError(`no browser at ${executablePath}: install Chromium (apt-get install -y chromium), set PUPPETEER_EXECUTABLE_PATH to Chrome/Chromium 113+, or pass --node to bench the engine in Node`);
  }
  const url = await serve();
  const profile = mkdtempSync(join(tmpdir(), 'webgpu-lstm-bench-'));
  const browser = await puppeteer
    .launch({ executablePath, headless: true, userDataDir: profile, args: CHROMIUM_ARGS, protocolTimeout: 3_600_000 })
    .catch((e: Error) => {
      rmSync(profile, { recursive: true, force: true });
      throw new UserError(`could not start ${executablePath} (${e.message.split('\n')[0]}): install Chromium (apt-get install -y chromium) or set PUPPETEER_EXECUTABLE_PATH`);
    });
  const close = async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = await browser.newPage();
    let loadError: ((e: Error) => void) | undefined;
    const failed = new Promise<never>((_, reject) => (loadError = reject));
    failed.catch(() => {});
    page.on('pageerror', (e) => {
      const message = e instanceof Error ? e.message : String(e);
      if (loadError) loadError(new UserError(`the benchmark page failed to load: ${message}`));
      else log(`page error: ${message}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') log(`page ${m.type()}: ${m.text()}`);
    });
    await Promise.race([page.goto(url, { waitUntil: 'load', timeout: 180_000 }), failed]);
    await Promise.race([page.waitForFunction(() => window.bench !== undefined, { timeout: 180_000 }), failed]);
    loadError = undefined; // later page errors are logged; each run reports its own failure
    const version = await browser.version();
    return {
      where: `browser (${version}, one page)`,
      adapter: () => page.evaluate(() => window.bench!.adapter()),
      ceiling: () => page.evaluate(() => window.bench!.ceiling()),
      run: (spec) => page.evaluate((s) => window.bench!.run(s), spec),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
