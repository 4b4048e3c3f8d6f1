// One day's attributions as an SVG heatmap: a row per feature, a column per lag (oldest left, the day itself
// right), diverging colours symmetric around zero, and a legend in the forecast's units. A plain string, so the
// page and the README's figure script draw the same picture.
import type { ExplainedDay } from '../finance/explain.js';

const NEGATIVE = [33, 102, 172], NEUTRAL = [247, 247, 247], POSITIVE = [178, 24, 43]; // ColorBrewer RdBu ends

/** The colour of value v on a scale of ±limit. */
export function divergingColor(v: number, limit: number): string {
  const s = Math.max(-1, Math.min(1, limit > 0 ? v / limit : 0));
  const end = s < 0 ? NEGATIVE : POSITIVE, w = Math.abs(s);
  const c = NEUTRAL.map((n, i) => Math.round(n + w * (end[i] - n)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (x: number) => (Math.abs(x) >= 0.1 ? x.toFixed(2) : x.toFixed(3));
/** A generous estimate of a sans-serif text's width: the picture is made wide enough for its text, which SVG never wraps. */
const textWidth = (s: string, size: number) => Math.ceil(s.length * size * 0.62);
const UNITS = 'log-variance units (red raises the forecast)';

export function heatmapSvg(day: ExplainedDay, features: string[], title = `Attributions of the forecast made on ${day.date}`): string {
  const lags = day.attributions.length, cell = 22, left = 190, top = 48, barW = Math.min(240, lags * cell);
  const limit = Math.max(...day.attributions.flat().map(Math.abs)) || 1;
  const subtitle = `forecast ${fmt(day.forecast)}, baseline ${fmt(day.baselineForecast)} (log-variance); cells add up to ${fmt(day.completeness.sum)}`;
  const width = left + Math.max(lags * cell, textWidth(title, 14), textWidth(subtitle, 12), barW + 10 + textWidth(UNITS, 12)) + 20;
  const height = top + features.length * cell + 66;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${left}" y="36" fill="#555">${esc(subtitle)}</text>`,
  ];
  features.forEach((name, f) => {
    const y = top + f * cell;
    parts.push(`<text x="${left - 8}" y="${y + cell / 2 + 4}" text-anchor="end">${esc(name)}</text>`);
    for (let lag = 0; lag < lags; lag++) {
      const a = day.attributions[lag][f], x = left + (lags - 1 - lag) * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${divergingColor(a, limit)}"><title>${esc(name)}, lag ${lag}: ${fmt(a)}</title></rect>`);
    }
  });
  const axis = top + features.length * cell + 14;
  for (let lag = 0; lag < lags; lag += lags > 10 ? 5 : 1) parts.push(`<text x="${left + (lags - 1 - lag) * cell + cell / 2}" y="${axis}" text-anchor="middle" fill="#555">${lag}</text>`);
  parts.push(`<text x="${left - 8}" y="${axis}" text-anchor="end" fill="#555">lag (days before)</text>`);
  // Legend: a colour bar from −limit to +limit.
  const barY = axis + 16, steps = 24;
  for (let i = 0; i < steps; i++) {
    const v = -limit + (2 * limit * (i + 0.5)) / steps;
    parts.push(`<rect x="${left + (i * barW) / steps}" y="${barY}" width="${barW / steps + 0.5}" height="10" fill="${divergingColor(v, limit)}"/>`);
  }
  parts.push(
    `<text x="${left}" y="${barY + 24}" fill="#555">${fmt(-limit)}</text>`,
    `<text x="${left + barW / 2}" y="${barY + 24}" text-anchor="middle" fill="#555">0</text>`,
    `<text x="${left + barW}" y="${barY + 24}" text-anchor="end" fill="#555">+${fmt(limit)}</text>`,
    `<text x="${left + barW + 10}" y="${barY + 9}" fill="#555">${UNITS}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}
