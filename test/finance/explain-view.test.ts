import { describe, expect, it } from 'vitest';
import { divergingColor, heatmapSvg } from '../../src/app/heatmap.js';
import { topDrivers, type ExplainedDay } from '../../src/finance/explain.js';

// The words and the picture of one explained day.
const day: ExplainedDay = {
  date: '2020-03-16',
  forecast: 2.5,
  baselineForecast: 0,
  attributions: [
    [0.1, 1.2, -0.05],
    [0.3, 0.2, 0.1],
    [0.2, 0.1, 0.35],
  ],
  completeness: { sum: 2.5, delta: 2.5, relativeError: 0 },
};
const features = ['return', 'log mean sq. return 22d', 'log <Parkinson>'];

describe('explaining one day', () => {
  it('names the three largest contributions, the latest day apart from older ones', () => {
    expect(topDrivers(day, features)).toBe(
      "The forecast sits 2.50 above the baseline's (log-variance); the largest contributions: log mean sq. return 22d on the day itself (+1.20), return over the 2 days before (+0.50), log <Parkinson> over the 2 days before (+0.45).",
    );
  });

  it('colours diverge around zero and saturate at the limit', () => {
    expect(divergingColor(0, 1)).toBe('rgb(247,247,247)');
    expect(divergingColor(1, 1)).toBe('rgb(178,24,43)');
    expect(divergingColor(-5, 1)).toBe('rgb(33,102,172)');
  });

  it('draws a cell per lag and feature, latest day on the right, with a legend', () => {
    const svg = heatmapSvg(day, features);
    expect(svg.match(/<title>/g)).toHaveLength(9);
    expect(svg).toContain('log &lt;Parkinson&gt;');
    expect(svg).toContain('<title>log mean sq. return 22d, lag 0: 1.20</title>');
    const x = (title: string) => Number(svg.match(new RegExp(`<rect x="(\\d+)"[^>]*><title>${title}`))![1]);
    expect(x('return, lag 0')).toBeGreaterThan(x('return, lag 2'));
    expect(svg).toContain('+1.20'); // the legend's limit: the largest |attribution|
    // Three lags are narrower than the title and the legend's units: the picture is made wide enough for them.
    const width = Number(svg.match(/width="(\d+)"/)![1]);
    expect(width).toBeGreaterThan(190 + 'log-variance units (red raises the forecast)'.length * 7);
  });
});
