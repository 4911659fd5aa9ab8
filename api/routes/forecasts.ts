// GET forecasts: products ranked by their latest stored forecasts, with each one's backtest; GET
// forecasts/calibration: the app-wide backtest calibration of those forecasts. Both read what the
// processors stored only (a product the schedule has not forecast yet is not listed).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { FORECAST_METRICS } from '../../processors/forecaster.js';
import type { ApiContext } from '../context.js';
import { getForecastCalibration } from '../queries/get-forecast-calibration.js';
import { listForecasts, listForecastsBySql } from '../queries/list-forecasts.js';
import { errors } from '../schemas/common.js';
import { FORECAST_LIST_LIMIT, ForecastCalibration, ForecastListQuery, ForecastPage } from '../schemas/forecasts.js';
import { sendCached } from './shared.js';

// Beside the route rather than in api/schemas/: the metrics are the ones the forecaster stores.
const MetricParam = Type.Optional(Type.Enum(FORECAST_METRICS, { default: 'views', description: 'A metric the processors forecast on their schedule' }));

export const forecastListRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/forecasts', {
    schema: {
      tags: ['analytics'], querystring: Type.Object({ metric: MetricParam, ...ForecastListQuery }), response: { 200: ForecastPage, ...errors() },
      summary: `Products by what their latest stored forecast says about the bucket a day or a week ahead (change from the last complete bucket with its 80% interval), with lifecycle stage, time to peak and the chosen model's backtest; filters, sort, cursor pagination (limit ≤ ${FORECAST_LIST_LIMIT.max})`,
      description: 'Every figure is read from the forecast generation the processors stored (their series end before the first bucket that could still receive on-time events), so the same stored data gives the same answer; time to peak counts from the forecast\'s first bucket, not the reader\'s clock.',
    },
  }, async (req, reply) => {
    const q = { ...req.query, metric: req.query.metric ?? 'views' };
    const { ch, productIndex } = ctx.services!;
    // Until the product index is loaded (seconds after a start), the whole SQL answers.
    return sendCached(ctx, req, reply, `forecasts:${JSON.stringify(q)}`, ForecastPage, () => (productIndex ? listForecasts({ ch, products: productIndex }, q) : listForecastsBySql(ch, q)));
  });
  app.get('/forecasts/calibration', {
    schema: {
      tags: ['analytics'], querystring: Type.Object({ metric: MetricParam }), response: { 200: ForecastCalibration, ...errors() },
      summary: 'Over every product\'s latest stored forecast: the chosen models\' pooled 80%/95% backtest coverage with the points it rests on and its 95% margin (products as clusters), and the share of products whose chosen model beats seasonal naive',
    },
  }, async (req, reply) => {
    const metric = req.query.metric ?? 'views';
    return sendCached(ctx, req, reply, `forecasts:calibration:${metric}`, ForecastCalibration, () => getForecastCalibration(ctx.services!.ch, metric));
  });
};
