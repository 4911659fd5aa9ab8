// GET products/:id/forecast: one product's forecast at its native step with every candidate model's backtest.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { FORECAST, FORECAST_STEPS } from '../../processors/forecast-engine.js';
import { Forecaster } from '../../processors/forecaster.js';
import { METRICS } from '../../schemas/events.js';
import type { ApiContext } from '../context.js';
import { getProductForecast } from '../queries/get-product-forecast.js';
import { assertProduct } from '../queries/has-product.js';
import { errors, IdParams } from '../schemas/common.js';
import { Forecast } from '../schemas/forecast.js';
import { sendCached } from './shared.js';

// Beside the route rather than in api/schemas/: its bounds are the forecaster's horizons.
const ForecastQuery = Type.Object({
  metric: Type.Optional(Type.Enum(METRICS, { default: 'views' })),
  horizon: Type.Optional(Type.Integer({ minimum: 1, maximum: FORECAST.horizon, description: `Steps ahead at the product's native step (at most ${FORECAST_STEPS.hour.horizon} hours, ${FORECAST_STEPS.day.horizon} days, ${FORECAST_STEPS.week.horizon} weeks or ${FORECAST_STEPS.month.horizon} months); default all` })),
});

export const forecastRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  // The API forecasts a product the schedule has not reached with the statistical models only:
  // the MLP is trained by the processors role, and training it here would stall requests.
  let forecaster: Forecaster | null = null;

  app.get('/products/:id/forecast', {
    schema: {
      tags: ['analytics'], params: IdParams, querystring: ForecastQuery, response: { 200: Forecast, ...errors(404) },
      summary: 'Forecast at the product\'s native step (interval 1h, 1d, 1w or 1mo) with 80%/95% intervals calibrated from backtest errors, the model chosen by rolling-origin backtest MASE, and every candidate\'s backtest (MASE, sMAPE, 80/95% coverage and the held-out points they rest on)',
      description: 'Refreshed and stored by the processors every hour for active products; computed on the spot (not stored) for others. model is null when the product has too little history at its step to backtest. The still-filling bucket is never part of the training series: the first point is the first bucket after the last complete one.',
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const { metric = 'views', horizon } = req.query;
    return sendCached(ctx, req, reply, `forecast:${id}:${metric}:${horizon ?? 'all'}`, Forecast, async () => {
      const s = ctx.services!;
      await assertProduct(s.ch, id);
      forecaster ??= new Forecaster({ ch: s.ch, clock: s.clock, logger: ctx.logger, allowedLatenessMs: ctx.config.allowedLatenessMs, updates: { bus: s.bus, topics: s.topics } });
      return getProductForecast({ ch: s.ch, forecaster }, id, metric, horizon);
    });
  });
};
