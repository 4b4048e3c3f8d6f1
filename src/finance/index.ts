// The volatility / market-risk layer's public API (re-exported from the package root).
export { BUNDLED_DATA_NAME, parseMarketData, type DataKind, type DataOptions, type MarketData, type Series } from './data.js';
export {
  fitGarch,
  garchLogLikelihood,
  garchPersistence,
  garchSummary,
  garchVariances,
  garchVarianceSum,
  type GarchDist,
  type GarchFit,
  type GarchModel,
  type GarchOptions,
  type GarchParams,
  type GarchSummary,
} from './garch.js';
export {
  ewmaForecasts,
  fitHar,
  fitLogHar,
  garchForecasts,
  harForecasts,
  logHarForecasts,
  RISKMETRICS_LAMBDA,
  type HarCoefficients,
  type HarModel,
  type LogHarModel,
} from './baselines.js';
export { dieboldMariano, forecastLosses, qlike, qlikeOptimalScale, type ForecastLosses, type TestResult } from './metrics.js';
export { backtestEs, backtestVar, christoffersen, conditionalCoverage, kupiec, trafficLight, VAR_LEVELS, type EsBacktest, type TrafficLight, type VarBacktest } from './risk.js';
export { MODEL_NAMES, type ModelName, type NextDay, type RiskFigures } from './evaluate.js';
export {
  DEFAULT_RISK_OPTIONS,
  reportTable,
  resolveRiskOptions,
  runRiskPipeline,
  type PipelineHooks,
  type PipelineInput,
  type PipelineProgress,
  type PipelineResult,
  type RiskOptions,
  type RiskReport,
  type TableRow,
} from './pipeline.js';
export { forecastNextDay, type ForecastInput, type ForecastReport } from './forecast.js';
