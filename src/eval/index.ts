/** Evaluation: metrics, IC family, backtests, the evaluate() entry point and paper-style tables. No tfjs. */
export * from './metrics';
export * from './ic';
export * from './backtest';
export * from './evaluate';
export * from './table';
export * from './strategy-table';
export * from './signal-views';
