// GET products/:id/forecast (its query schema is beside the route: its bounds are the forecaster's).
import Type from 'typebox';
import { STAGES } from '../../analytics/lifecycle.js';
import { Iso, Nullable } from './common.js';

export const ForecastPoint = Type.Object({ ts: Iso('Start of the forecast bucket'), yhat: Type.Number(), lo80: Type.Number(), hi80: Type.Number(), lo95: Type.Number(), hi95: Type.Number() });

/** null where a figure is infinite or undefined (a flat history leaves nothing to scale errors by). */
const Figure = (description: string) => Nullable(Type.Number({ description }));

export const Forecast = Type.Object({
  model: Nullable(Type.String({ description: 'null while the product has too little history at its step to backtest' })),
  horizon: Type.Integer(),
  interval: Type.String({ description: "The product's native step: 1h, 1d, 1w or 1mo" }),
  points: Type.Array(ForecastPoint),
  backtest: Type.Array(Type.Object({
    model: Type.String(),
    mase: Figure('Mean absolute scaled error against the in-sample seasonal naive: mean over the backtest origins of the MAE ÷ the MAE of repeating the last season on the history before that origin'),
    relativeMase: Figure('mase ÷ the seasonal-naive row\'s mase (same origins, same scales): below 1 beats repeating the last season on the same test windows. Compare models by this where seasonal naive\'s own MASE is far above 1 (the level moved in the tested windows more than before them)'),
    smape: Figure('Symmetric mean absolute percentage error'),
    coverage80: Figure('Share of held-out points inside the 80% interval'),
    coverage95: Figure('Share of held-out points inside the 95% interval'),
    margin80: Figure('95% margin of coverage80, from how much the backtest origins\' coverages differ (never below the binomial margin on the points); null for backtests stored before it was kept'),
    margin95: Figure('95% margin of coverage95, likewise'),
    points: Type.Number({ description: 'Held-out points the figures rest on' }),
    chosen: Type.Boolean(),
  })),
  generatedAt: Nullable(Iso()),
  lifecycle: Nullable(Type.Object({
    stage: Type.Enum(STAGES),
    growthPerStep: Type.Number({ description: 'Log-growth per step (×100 ≈ % per step)' }),
    windowSteps: Type.Integer({ description: 'Steps of history (at interval) the stage\'s curve is fitted on: 72 hours, 28 days, 26 weeks or 24 months. Not the trend label\'s window (products/:id trend.windowSteps)' }),
    peak: Nullable(Type.Object({ at: Iso(), lo: Iso(), hi: Iso() }, { description: 'Expected peak with its 80% interval, when the horizon reaches it' })),
  })),
});
export type Forecast = Type.Static<typeof Forecast>;
