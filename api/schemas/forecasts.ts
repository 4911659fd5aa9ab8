// GET forecasts (products ranked by their stored forecasts) and GET forecasts/calibration (how far
// the app's forecasts can be trusted). The query's metric list is beside the route: it is the
// forecaster's.
import Type from 'typebox';
import { STAGES } from '../../analytics/lifecycle.js';
import { Cursor, Iso, Nullable, Page } from './common.js';

export const FORECAST_LIST_LIMIT = { default: 50, max: 500 } as const;
/** How far ahead a change is read: the forecast bucket one day or one week after the last complete one. */
export const AHEADS = ['1d', '1w'] as const;
export type Ahead = (typeof AHEADS)[number];
export const FORECAST_SORT_KEYS = ['change', 'relativeMase', 'peak'] as const;
export type ForecastSortKey = (typeof FORECAST_SORT_KEYS)[number];

export const ForecastListQuery = {
  ahead: Type.Optional(Type.Enum(AHEADS, { default: '1d', description: "The forecast bucket one day (1d) or one week (1w) after the product's last complete bucket, at its native step: 24 steps of an hourly series, 1 or 7 of a daily one, 1 of a weekly one. Products whose forecast does not reach it at their step (an hourly forecast ends after 24 hours; a monthly one has no day or week) are not listed" })),
  category: Type.Optional(Type.String({ maxLength: 100 })),
  stage: Type.Optional(Type.Enum(STAGES, { description: 'Lifecycle stage from the same forecast' })),
  sort: Type.Optional(Type.Enum(FORECAST_SORT_KEYS.flatMap((s) => [s, `-${s}` as const]), {
    default: '-change',
    description: "change: the forecast change; relativeMase: the chosen model's backtest MASE ÷ seasonal naive's; peak: time to the expected peak. A leading '-' sorts descending; products without the figure come last either way",
  })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: FORECAST_LIST_LIMIT.max, default: FORECAST_LIST_LIMIT.default })),
  cursor: Cursor(1000),
};

/** null where the figure is not defined (a base of 0, a flat history's infinite MASE, a backtest stored before margins were kept). */
const Figure = (description: string) => Nullable(Type.Number({ description }));

export const ForecastListItem = Type.Object({
  productId: Type.String(), title: Type.String(), category: Type.String(), imageUrl: Nullable(Type.String()),
  interval: Type.String({ description: "The product's native step: 1h, 1d, 1w or 1mo" }),
  model: Type.String({ description: 'The model the backtest chose' }),
  generatedAt: Iso('When the forecast was stored'),
  start: Iso('Start of the first forecast bucket: the first that was not complete when the forecast was made'),
  target: Iso('Start of the forecast bucket the change is read at (ahead after the last complete bucket)'),
  base: Figure('The last complete bucket the forecast was fitted on, the change\'s base; null for a forecast stored before it was kept'),
  yhat: Type.Number({ description: 'Forecast of the target bucket' }), lo80: Type.Number(), hi80: Type.Number(),
  change: Figure('yhat ÷ base − 1; null when base is 0 or unknown'),
  changeLo80: Figure('lo80 ÷ base − 1: the change\'s 80% interval'),
  changeHi80: Figure('hi80 ÷ base − 1'),
  stage: Nullable(Type.Enum(STAGES)),
  growthPerStep: Figure('Log-growth per step now, from the lifecycle curve'),
  peak: Nullable(Type.Object({
    at: Iso(), lo: Iso(), hi: Iso(),
    inSec: Type.Number({ description: 'Seconds from start to the expected peak (event time, not the reader\'s clock)' }),
    loSec: Type.Number({ description: 'Seconds from start to the start of the peak\'s 80% interval (negative: it began before the forecast)' }),
    hiSec: Type.Number(),
  }, { description: 'Expected peak with its 80% interval, when the forecast horizon reaches it' })),
  backtest: Type.Object({
    mase: Figure('Chosen model\'s rolling-origin backtest MASE'),
    relativeMase: Figure('mase ÷ seasonal naive\'s on the same origins: below 1 beats repeating the last season'),
    coverage80: Figure('Share of held-out points inside the 80% interval'), margin80: Figure('Its 95% margin across the backtest origins'),
    coverage95: Figure('Share inside the 95% interval'), margin95: Figure('Its 95% margin'),
    points: Type.Integer({ description: 'Held-out points the coverages rest on' }), origins: Type.Integer(),
  }, { description: 'The chosen model\'s row of the backtest stored with the forecast' }),
});
export type ForecastListItem = Type.Static<typeof ForecastListItem>;
export const ForecastPage = Page(ForecastListItem);
export type ForecastPage = Type.Static<typeof ForecastPage>;

const Coverage = (level: string) => Type.Object({
  coverage: Figure(`Σ points inside the ${level} interval ÷ Σ points, over every product's chosen backtest row`),
  margin: Figure('95% margin, each product a cluster (its backtest points move together)'),
});

export const ForecastCalibration = Type.Object({
  metric: Type.String(),
  products: Type.Integer({ description: 'Products with a stored forecast of this metric' }),
  points: Type.Integer({ description: 'Held-out backtest points the coverages pool' }),
  coverage80: Coverage('80%'), coverage95: Coverage('95%'),
  beatsSeasonalNaive: Type.Object({
    share: Figure('Share of the products whose chosen model\'s relative MASE is below 1'),
    products: Type.Integer({ description: 'Products with a relative MASE (seasonal naive\'s own MASE finite and above 0)' }),
  }),
});
export type ForecastCalibration = Type.Static<typeof ForecastCalibration>;
