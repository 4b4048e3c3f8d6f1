// The one place that says how the page tests start the app and a browser with WebGPU on this project's machines.
//
// Measured (Debian 12, chromium 156, no GPU): headless Chromium finds Dawn's SwiftShader Vulkan adapter
// ("google swiftshader", isFallbackAdapter true) in the page and in dedicated workers with only
// --no-sandbox --enable-unsafe-webgpu; --use-angle=swiftshader, --enable-features=Vulkan and
// --use-vulkan=swiftshader changed nothing there. navigator.gpu exists only in a secure context, so the page is
// served from http://127.0.0.1:PORT. The network is closed: background networking, updates, sync and QUIC are off.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { createServer } from 'vite';
import { openDesktopPage } from './page.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const CHROMIUM_PATH = process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium';

export interface Served {
  url: string;
  close(): Promise<void>;
}

interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Vite's dev server for index.html (vite.config.ts) on 127.0.0.1 and a free port. No file watching and no hot
 * reload: an edit elsewhere in the tree while the tests run must not reload the page under them.
 */
async function serveApp(): Promise<Served> {
  const server = await createServer({ configFile: 'vite.config.ts', logLevel: 'warn', server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null } });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error('the Vite dev server did not report its URL');
  }
  return { url, close: () => server.close() };
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };

/**
 * A plain static web server (no special headers, so no cross-origin isolation) that hosts `dir` under the
 * sub-path `prefix`, as a user's own server would host the built app.
 */
export async function serveStatic(dir: string, prefix = '/some/where/'): Promise<Served> {
  const server = createHttpServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const inside = path.startsWith(prefix) ? normalize(path.slice(prefix.length) || 'index.html') : null;
    if (inside === null || inside.startsWith('..')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(dir, inside.endsWith('/') ? `${inside}index.html` : inside));
      res.writeHead(200, { 'Content-Type': MIME[extname(inside)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${prefix}`, close: () => new Promise<void>((done) => server.close(() => done())) };
}

/** Headless Chromium (puppeteer's `headless: true` is --headless=new) with a fresh profile, removed on close. */
async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'webgpu-lstm-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`],
    protocolTimeout: 600_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface AppInChromium {
  /** The app's address. */
  url: string;
  browser: Browser;
  /** A desktop-sized tab (openDesktopPage), not yet at the app's address. */
  page: Page;
  close(): Promise<void>;
}

/** The app served (serveApp), headless Chromium (launchChromium) and a desktop-sized tab in it; close() ends all. */
export async function openAppInChromium(): Promise<AppInChromium> {
  const app = await serveApp();
  let chrome: Chromium | undefined;
  try {
    chrome = await launchChromium();
    const page = await openDesktopPage(chrome.browser);
    const launched = chrome;
    return {
      url: app.url,
      browser: chrome.browser,
      page,
      close: async () => {
        await launched.close();
        await app.close();
      },
    };
  } catch (e) {
    await chrome?.close();
    await app.close();
    throw e;
  }
}
