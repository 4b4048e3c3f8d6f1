// The volatility / market-risk layer's public API (re-exported from the package root).
export { BUNDLED_DATA_NAME, parseMarketData, type DataKind, type DataOptions, type MarketData, type Series } from './data.js';
export { fitGarch, garchLogLikelihood, garchVariances, type GarchFit, type GarchParams, type GarchSummary } from './garch.js';
export { ewmaForecasts, fitHar, harForecasts, RISKMETRICS_LAMBDA, type HarModel } from './baselines.js';
export { dieboldMariano, forecastLosses, qlike, type ForecastLosses, type TestResult } from './metrics.js';
export { backtestEs, backtestVar, christoffersen, conditionalCoverage, kupiec, trafficLight, VAR_LEVELS, type EsBacktest, type TrafficLight, type VarBacktest } from './risk.js';
export { MODEL_NAMES, type ModelName, type NextDay, type RiskFigures } from './evaluate.js';
export { DEFAULT_RISK_OPTIONS, resolveRiskOptions, type RiskOptions } from './options.js';
export { reportTable, type RiskReport, type TableRow } from './report.js';
export { type PipelineHooks, type PipelineProgress } from './steps.js';
export { runRiskPipeline, type PipelineInput, type PipelineResult } from './pipeline.js';
export { forecastNextDay, type ForecastInput, type ForecastReport } from './forecast.js';
