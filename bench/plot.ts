import { fmt, type Report, type SweepResult } from './report.js';
import type { ContenderName, SweepAxis } from './plan.js';

const COLOURS: Partial<Record<ContenderName, string>> = { 'engine-webgpu': '#1f6feb', 'engine-cpu': '#2da44e', 'tfjs-wasm': '#cf222e' };
const colour = (c: ContenderName) => COLOURS[c] ?? '#888';

const PANEL_W = 320, PANEL_H = 240, M = { top: 40, right: 16, bottom: 44, left: 56 };
const AXES: { axis: SweepAxis; label: string }[] = [
  { axis: 'T', label: 'window length T' },
  { axis: 'H', label: 'hidden size H' },
  { axis: 'B', label: 'batch size B' },
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(points: SweepResult[], axis: SweepAxis, label: string, x0: number): string {
  const w = PANEL_W - M.left - M.right, h = PANEL_H - M.top - M.bottom;
  const pts = points.filter((p) => p.axes.includes(axis)).sort((p, q) => p[axis] - q[axis]);
  const vals = pts.map((p) => p[axis]);
  // log-log: cost grows as a power of each axis (slope 1 for T and B, about 2 for H), and the panels span decades
  const ms = pts.map((p) => p.msPerStep).filter((v): v is number => v !== null && v > 0);
  const dLo = Math.floor(Math.log10(ms.length ? Math.min(...ms) : 1));
  const dHi = Math.max(dLo + 1, Math.ceil(Math.log10(ms.length ? Math.max(...ms) : 10)));
  const ticks = Array.from({ length: dHi - dLo }, (_, d) => [1, 2, 5].map((m) => m * 10 ** (dLo + d))).flat().concat(10 ** dHi);
  const [lo, hi] = [Math.log2(Math.min(...vals)), Math.log2(Math.max(...vals))];
  const pad = 0.18 * w; // room for the end labels
  const sx = (v: number) => M.left + (hi === lo ? w / 2 : pad + ((Math.log2(v) - lo) / (hi - lo)) * (w - 2 * pad)); // log2 x axis
  const sy = (v: number) => M.top + h - ((Math.log10(v) - dLo) / (dHi - dLo)) * h;
  const parts: string[] = [`<g transform="translate(${x0},0)">`];
  parts.push(`<text x="${M.left + w / 2}" y="22" text-anchor="middle" font-weight="bold">ms per step (log) vs ${esc(label)}</text>`);
  for (const v of ticks) {
    const y = sy(v);
    parts.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${+v.toPrecision(6)}</text>`);
  }
  for (const v of vals) parts.push(`<text x="${sx(v)}" y="${M.top + h + 18}" text-anchor="middle" font-size="11">${v}</text>`);
  parts.push(`<text x="${M.left + w / 2}" y="${PANEL_H - 6}" text-anchor="middle" font-size="12">${esc(label)} (log scale)</text>`);
  parts.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + h}" stroke="#444"/>`);
  parts.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${M.top + h}" y2="${M.top + h}" stroke="#444"/>`);
  for (const contender of [...new Set(pts.map((p) => p.contender))]) {
    const ok = pts.filter((p) => p.contender === contender && p.msPerStep !== null);
    if (ok.length > 1) parts.push(`<polyline fill="none" stroke="${colour(contender)}" stroke-width="2" points="${ok.map((p) => `${sx(p[axis])},${sy(p.msPerStep!)}`).join(' ')}"/>`);
  }
  const several = new Set(pts.map((p) => p.contender)).size > 1; // labels would overlap: the hover titles carry the numbers
  for (const p of pts) {
    const x = sx(p[axis]);
    if (p.msPerStep === null) {
      parts.push(`<text x="${x}" y="${M.top + h - 6}" text-anchor="middle" font-size="11" fill="#c00">failed</text>`);
      continue;
    }
    const y = sy(p.msPerStep);
    parts.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${colour(p.contender)}"><title>${p.contender} T=${p.T} H=${p.H} B=${p.B}: ${fmt(p.msPerStep)} ms/step, ${fmt(p.gflops)} GFLOP/s</title></circle>`);
    if (!several) parts.push(`<text x="${x}" y="${y - 8}" text-anchor="middle" font-size="10">${fmt(p.msPerStep)} ms · ${fmt(p.gflops, 2)} GF/s</text>`);
  }
  if (several) {
    [...new Set(pts.map((p) => p.contender))].forEach((c, i) => {
      parts.push(`<text x="${M.left + 6}" y="${M.top + 12 + 13 * i}" font-size="11" fill="${colour(c)}">${esc(c)}</text>`);
    });
  }
  parts.push('</g>');
  return parts.join('\n');
}

/** Three panels (T, H, B), milliseconds per training step with GFLOP/s written beside each point. */
export function sweepSvg(report: Report): string {
  const width = PANEL_W * AXES.length, height = PANEL_H + 28;
  const c = report.config;
  const title = `webgpu-lstm training step (engine-webgpu; the engine's CPU path and TF.js wasm on H), others at T=${c.steps} H=${c.hiddenSize} B=${c.batchSize} I=${c.inputSize}; ${report.adapter.vendor} ${report.adapter.architecture}, ${report.runtime}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...AXES.map((a, i) => panel(report.sweep, a.axis, a.label, i * PANEL_W)),
    `<text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="11" fill="#555">${esc(title)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
