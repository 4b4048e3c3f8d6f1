// Shared test data: seeded GARCH(1,1) returns and CSV text built from them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GarchParams } from '../../src/finance/garch.js';
import { Rng } from '../../src/rng.js';

/** Percent returns from a Gaussian GARCH(1,1) (GJR when gamma > 0), started at its unconditional variance. */
export function simulateGarch(p: GarchParams, n: number, seed: number): Float64Array {
  if (p.nu !== null) throw new Error('simulateGarch draws Gaussian innovations only');
  const rng = new Rng(seed);
  const out = new Float64Array(n);
  let sigma2 = p.omega / (1 - p.alpha - p.gamma / 2 - p.beta);
  for (let t = 0; t < n; t++) {
    const e = Math.sqrt(sigma2) * rng.normal();
    out[t] = p.mu + e;
    sigma2 = p.omega + (e < 0 ? p.alpha + p.gamma : p.alpha) * e * e + p.beta * sigma2;
  }
  return out;
}

/** Business days from 2001-01-01 (Monday) as YYYY-MM-DD. */
export function businessDays(n: number): string[] {
  const out: string[] = [];
  const day = new Date(Date.UTC(2001, 0, 1));
  while (out.length < n) {
    const wd = day.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return out;
}

/** Prices from percent log returns, starting at 100. */
export function pricesFrom(returns: ArrayLike<number>): number[] {
  const prices = [100];
  for (let t = 0; t < returns.length; t++) prices.push(prices[t] * Math.exp(returns[t] / 100));
  return prices;
}

export const TYPICAL: GarchParams = { mu: 0.03, omega: 0.02, alpha: 0.08, gamma: 0, beta: 0.9, nu: null };

/** A date,close CSV of `rows` rows (extra price columns from other seeds when `columns` > 1). */
export function garchCsv(rows: number, seed = 7, columns = 1): string {
  const dates = businessDays(rows);
  const series = Array.from({ length: columns }, (_, c) => pricesFrom(simulateGarch(TYPICAL, rows - 1, seed + c)));
  const names = columns === 1 ? ['close'] : series.map((_, c) => `asset${c + 1}`);
  return [['date', ...names].join(','), ...dates.map((d, i) => [d, ...series.map((s) => s[i].toFixed(4))].join(','))].join('\n');
}

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
}

export function fixtureNumbers(name: string): Float64Array {
  return Float64Array.from(fixture(name).trim().split('\n').filter((l) => !l.startsWith('#')).map(Number));
}

