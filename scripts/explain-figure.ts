// The README's explainability figures: trains the LSTM on the bundled S&P 500 data (default settings), draws the
// integrated-gradient heatmap of one day as docs/explain-heatmap.svg, and times the integrated gradients of the
// whole test split, with their completeness errors.
// Run: bash scripts/explain-figure.sh [backend=cpu|webgpu] [train=cpu|webgpu] [date=2020-03-16] [steps=32] [ig=8,16,32,64]
//      [quadrature=gauss-legendre,midpoint] [batch=64] [epochs=20]   (train: the training backend, default: backend)
import { readFileSync, writeFileSync } from 'node:fs';
import { heatmapSvg } from '../src/app/heatmap.js';
import { bundledDataPath } from '../src/cli/files.js';
import { loadMarketData } from '../src/finance/dataQuality.js';
import { explainForecast, topDrivers } from '../src/finance/explain.js';
import { buildWindows } from '../src/finance/features.js';
import { resolveRiskOptions } from '../src/finance/options.js';
import { prepareData, runRiskPipeline } from '../src/finance/pipeline.js';
import { modelFromJSON } from '../src/model.js';
import { integratedGradients, type Quadrature } from '../src/train/attributions.js';

const arg = (k: string, d: string) => process.argv.find((a) => a.startsWith(`${k}=`))?.split('=')[1] ?? d;
const backend = arg('backend', 'cpu') as 'cpu' | 'webgpu', date = arg('date', '2020-03-16'), steps = Number(arg('steps', '32'));
const csvText = readFileSync(bundledDataPath(), 'utf8');

let t0 = performance.now();
const trainBackend = arg('train', backend) as 'cpu' | 'webgpu';
const { modelText, report: trained } = await runRiskPipeline({ csvText, options: { backend: trainBackend, epochs: Number(arg('epochs', '20')) } });
console.log(`trained on the bundled data (${trainBackend}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const report = await explainForecast({ modelText, csvText, date, steps, backend });
const day = report.days[0];
writeFileSync('docs/explain-heatmap.svg', `${heatmapSvg(day, report.features, `S&P 500: what drove the forecast made on ${date}`)}\n`);
console.log(`docs/explain-heatmap.svg: ${topDrivers(day, report.features)} completeness error ${day.completeness.relativeError.toExponential(2)}`);

// Integrated gradients of every test-split window, timed (the engine's session is opened inside the call).
const { model } = modelFromJSON(modelText);
const o = resolveRiskOptions({ backend });
const prepared = prepareData(loadMarketData(csvText, o).market, o);
const origins = prepared.origins.test;
const windows = { x: buildWindows(prepared.matrices[0], prepared.scaler, origins, o.window), count: origins.length, steps: o.window };

// The two methods side by side over the test split: the train report's permutation importance (QLIKE rise) and
// integrated gradients' mean |attribution| per feature (log-variance units), each with its rank.
const dates = prepared.market.dates;
const range = await explainForecast({ modelText, csvText, from: dates[origins[0]], to: dates[origins.at(-1)!], steps, backend });
const rank = (v: Record<string, number>) => Object.fromEntries(Object.entries(v).sort((a, b) => b[1] - a[1]).map(([f], k) => [f, k + 1]));
const byPermutation = trained.explain.permutationImportance, byIg = range.meanAbs!.byFeature;
const [pr, ir] = [rank(byPermutation), rank(byIg)];
console.log(`test split ${range.days[0].date}..${range.days.at(-1)!.date} (${range.days.length} days): feature, permutation importance (rank), mean |IG attribution| (rank)`);
for (const f of range.features) console.log(`  ${f}: ${byPermutation[f].toFixed(4)} (${pr[f]}), ${byIg[f].toFixed(4)} (${ir[f]})`);
for (const quadrature of arg('quadrature', 'gauss-legendre,midpoint').split(',') as Quadrature[]) {
  for (const m of arg('ig', '8,16,32,64').split(',').map(Number)) {
    t0 = performance.now();
    const ig = await integratedGradients(model, windows, { steps: m, quadrature, backend, batchSize: Number(arg('batch', '64')) });
    const seconds = (performance.now() - t0) / 1000;
    const errors = ig.completeness.map((c) => c.relativeError).sort((a, b) => a - b);
    const median = errors[Math.floor(errors.length / 2)], worst = errors[errors.length - 1];
    // Where f(x) is within 0.01 of f(baseline) the relative error divides by almost nothing: also stated apart.
    const clear = ig.completeness.filter((c) => Math.abs(c.delta) >= 0.01);
    const worstClear = Math.max(...clear.map((c) => c.relativeError)), worstAbs = Math.max(...ig.completeness.map((c) => Math.abs(c.sum - c.delta)));
    const closest = Math.min(...ig.completeness.map((c) => Math.abs(c.delta)));
    console.log(
      `IG of ${origins.length} test windows x ${m} ${quadrature} steps (${backend}, batches of ${arg('batch', '64')}): ${seconds.toFixed(2)} s; relative completeness error median ${median.toExponential(2)}, ` +
        `max ${worst.toExponential(2)} (max ${worstClear.toExponential(2)} over the ${clear.length} windows with |delta| >= 0.01; smallest |delta| ${closest.toExponential(2)}); max absolute ${worstAbs.toExponential(2)}`,
    );
  }
}
