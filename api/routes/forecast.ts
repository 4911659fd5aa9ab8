// GET products/:id/forecast: the hourly forecast of one product with every candidate model's backtest.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { ApiContext } from '../context.js';
import { FORECAST, Forecaster } from '../../processors/forecaster.js';
import { METRICS } from '../../schemas/events.js';
import { getProductForecast } from '../queries/get-product-forecast.js';
import { assertProduct } from '../queries/has-product.js';
import { IdParams } from '../schemas/params.js';
import { sendCached } from './shared.js';

const ForecastQuery = Type.Object({
  metric: Type.Optional(Type.Enum(METRICS, { default: 'views' })),
  horizon: Type.Optional(Type.Integer({ minimum: 1, maximum: FORECAST.horizon, default: FORECAST.horizon, description: 'Hours ahead' })),
});

export const forecastRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const services = () => ctx.services!;
  // The API forecasts a product the schedule has not reached with the statistical models only:
  // the MLP is trained by the processors role, and training it here would stall requests.
  let forecaster: Forecaster | null = null;

  app.get('/products/:id/forecast', {
    schema: {
      tags: ['analytics'], params: IdParams, querystring: ForecastQuery,
      summary: `Hourly forecast with 80%/95% intervals (horizon ≤ ${FORECAST.horizon} h), the model chosen by rolling-origin backtest MASE, and every candidate's backtest`,
      description: 'Refreshed and stored by the processors every hour for active products; computed on the spot (not stored) for others. model is null when the product has too little hourly history to backtest.',
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { metric = 'views', horizon = FORECAST.horizon } = req.query as Type.Static<typeof ForecastQuery>;
    return sendCached(ctx, req, reply, `forecast:${id}:${metric}:${horizon}`, async () => {
      const s = services();
      await assertProduct(s.ch, id);
      forecaster ??= new Forecaster({ ch: s.ch, clock: s.clock, logger: ctx.logger });
      return getProductForecast({ ch: s.ch, forecaster }, id, metric, horizon);
    });
  });

};
