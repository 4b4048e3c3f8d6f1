// What each re-training of the walk-forward LSTM does, member by member, beside the same network trained from
// scratch at the same date (cpu backend): its training and validation loss, the calibration scale, and its
// forecasts' mean over the realised variance and QLIKE on the days it forecasts. Prints one JSON line per training
// and a summary per year and kind. Arguments key=value: members (2), scratch (1: also fit from scratch at every
// re-training), hidden, epochs, warmEpochs, warmPatience, lr, retrainEvery, testFrom, testYears, data, out (JSON).
import { readFileSync, writeFileSync } from 'node:fs';
import { openSession } from '../src/backend.js';
import { bundledDataPath } from '../src/cli/files.js';
import { loadMarketData } from '../src/finance/dataQuality.js';
import { featureMatrix, FIRST_ORIGIN, fitScaler, varianceTargets, windowOrigins } from '../src/finance/features.js';
import { createMember, memberConfig, trainMember } from '../src/finance/lstm.js';
import { qlike } from '../src/finance/metrics.js';
import { resolveBacktestOptions } from '../src/finance/options.js';
import { calibrate, lstmForecasts, sequences } from '../src/finance/steps.js';
import { outOfSampleStart, schedule, VALIDATION_SHARE } from '../src/finance/walkForward.js';
import type { Model } from '../src/model.js';

const args: Record<string, string> = Object.fromEntries(process.argv.slice(1).filter((a) => a.includes('=')).map((a) => a.split('=')));
const numeric = (key: string) => (args[key] !== undefined ? { [key]: Number(args[key]) } : {});
const o = resolveBacktestOptions({
  backend: 'cpu',
  ...numeric('hidden'), ...numeric('epochs'), ...numeric('warmEpochs'), ...numeric('warmPatience'), ...numeric('retrainEvery'), ...numeric('testYears'),
  ...(args.lr ? { learningRate: Number(args.lr) } : {}),
  ...(args.testFrom ? { testFrom: args.testFrom } : {}),
});
const members = Number(args.members ?? 2);
const { market } = loadMarketData(readFileSync(args.data ?? bundledDataPath(), 'utf8'), o);
const { dates } = market;
const M = dates.length;
const start = outOfSampleStart(dates, o);
const matrices = market.series.map(featureMatrix);
const targets = market.series.map((s) => varianceTargets(s.returns, 1));
const scaler = fitScaler(matrices, { from: FIRST_ORIGIN, to: start });
const retrains = schedule(start, M, o.retrainEvery);
const session = await openSession('cpu', memberConfig(o, matrices[0].names.length), { batchSize: o.batchSize, steps: o.window });
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

interface Row { year: string; kind: 'warm' | 'scratch'; best: number; trainLoss: number; valLoss: number; scale: number; ratio: number; qlike: number }
const rows: Row[] = [];
const warm: Model[] = [];
for (const [e, R] of retrains.entries()) {
  const origins = windowOrigins({ from: FIRST_ORIGIN, to: R }, o.window, 1);
  const cut = origins.length - Math.round(VALIDATION_SHARE * origins.length);
  const data = { train: sequences(matrices, targets, scaler, origins.slice(0, cut), o.window, o.loss), validation: sequences(matrices, targets, scaler, origins.slice(cut), o.window, o.loss) };
  const forecastOrigins = Array.from({ length: (retrains[e + 1] ?? M) - R }, (_, j) => R - 1 + j);
  const realised = forecastOrigins.map((t) => targets[0][t]);
  const runs: ['warm' | 'scratch', Model[]][] = [['warm', warm]];
  if (args.scratch !== '0' && e > 0) runs.push(['scratch', []]);
  for (const [kind, models] of runs) {
    for (let k = 0; k < members; k++) {
      const warmStart = models[k] !== undefined;
      models[k] ??= createMember(o, matrices[0].names.length, k);
      const settings = warmStart ? { ...o, epochs: Math.min(o.epochs, o.warmEpochs), patience: o.warmPatience } : o;
      const r = await trainMember(models[k], k, members, settings, data, { session });
      const [scale] = await calibrate([models[k]], data.validation, targets, origins.slice(cut), o, 'horizon', session);
      const forecasts = (await lstmForecasts([models[k]], [scale], matrices[0], scaler, forecastOrigins, o, null, session)).mean;
      const kept = r.history[r.bestEpoch - 1];
      const row = {
        date: dates[R], kind: warmStart ? kind : ('scratch' as const), member: k + 1, epochs: r.history.length, best: r.bestEpoch,
        trainLoss: kept?.trainLoss ?? NaN, valLoss: r.bestValLoss ?? NaN, scale, ratio: mean(forecasts) / mean(realised),
        qlike: mean(Array.from(forecasts, (f, i) => qlike(realised[i], f))),
      };
      console.log(JSON.stringify(row));
      rows.push({ ...row, year: row.date.slice(0, 4) });
    }
  }
}
session.destroy();
if (args.out) writeFileSync(args.out, JSON.stringify(rows));

console.log('\nyear kind     trainings  kept start  train loss  val loss  scale  forecast/realised  QLIKE');
const groups = new Map<string, Row[]>();
for (const r of rows) groups.set(`${r.year} ${r.kind}`, [...(groups.get(`${r.year} ${r.kind}`) ?? []), r]);
for (const [key, g] of groups) {
  const f = (v: (r: Row) => number, d = 3) => {
    const values = g.map(v).filter(Number.isFinite); // no training loss where every training kept its start
    return (values.length ? mean(values).toFixed(d) : '-').padStart(8);
  };
  console.log(`${key.padEnd(13)} ${String(g.length).padStart(9)} ${String(g.filter((r) => r.best === 0).length).padStart(11)} ${f((r) => r.trainLoss)}    ${f((r) => r.valLoss)} ${f((r) => r.scale, 2)} ${f((r) => r.ratio, 2)}           ${f((r) => r.qlike)}`);
}
