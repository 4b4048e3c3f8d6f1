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
export { dieboldMariano, forecastLosses, neweyWestLags, neweyWestVariance, qlike, qlikeOptimalScale, type ForecastLosses, type TestResult } from './metrics.js';
export { mincerZarnowitz, modelConfidenceSet, type McsOptions, type MincerZarnowitz, type ModelConfidenceSet } from './compare.js';
export {
  backtestEs,
  backtestEsZ2,
  backtestVar,
  christoffersen,
  conditionalCoverage,
  empiricalDraw,
  empiricalTail,
  expectedShortfall,
  filteredBootstrapRisk,
  fitStudentTNu,
  gaussianDraw,
  gaussianTail,
  horizonRisk,
  kupiec,
  NU_BOUNDS,
  studentTDraw,
  studentTLogLikelihood,
  studentTTail,
  trafficLight,
  valueAtRisk,
  VAR_LEVELS,
  type EsBacktest,
  type EsZ2Test,
  type HorizonRisk,
  type StandardisedDraw,
  type Tail,
  type TrafficLight,
  type VarBacktest,
  type VarLevel,
} from './risk.js';
export {
  buyAndHold,
  ROLLING_VOL_DAYS,
  strategyReturns,
  summarizeStrategy,
  varLimitBreaches,
  varLimitPositions,
  volatilityTargeting,
  type Strategy,
  type StrategySummary,
  type VarLimit,
  type VolatilityTargetOptions,
} from './riskControl.js';
export { MODEL_NAMES, type HorizonBacktest, type ModelName, type NextDay, type RiskFigures } from './evaluate.js';
export { DEFAULT_RISK_OPTIONS, resolveRiskOptions, type RiskOptions } from './options.js';
export { reportTable, type RiskReport, type TableRow } from './report.js';
export { type PipelineHooks, type PipelineProgress } from './steps.js';
export { runRiskPipeline, type PipelineInput, type PipelineResult } from './pipeline.js';
export { forecastNextDay, type ForecastInput, type ForecastReport } from './forecast.js';
