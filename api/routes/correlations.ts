// GET correlations: lagged correlations between the engagement metrics of a scope.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { ApiContext } from '../context.js';
import { assertProduct } from '../queries/has-product.js';
import { listMetricCorrelations, type CorrelationScope } from '../queries/list-metric-correlations.js';
import type { Interval } from '../queries/time-range.js';
import { IntervalParam, TimeRange } from '../schemas/params.js';
import { sendCached } from './shared.js';

const CorrelationsQuery = Type.Object({
  scope: Type.Optional(Type.String({ pattern: '^(all|category:.{1,100}|product:[^\\s]{1,128})$', default: 'all', description: 'all, category:<category> or product:<productId>' })),
  maxLag: Type.Optional(Type.Integer({ minimum: 0, maximum: 48, default: 6, description: 'Largest lead/lag tried, in buckets' })),
  interval: Type.Optional(IntervalParam),
  ...TimeRange,
});

/** `all`, `category:<name>` or `product:<id>` (the pattern above has checked the form). */
function correlationScope(scope = 'all'): CorrelationScope {
  if (scope === 'all') return { kind: 'all' };
  const value = scope.slice(scope.indexOf(':') + 1);
  return scope.startsWith('category:') ? { kind: 'category', category: value } : { kind: 'product', id: value };
}

export const correlationRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const services = () => ctx.services!;
  app.get('/correlations', {
    schema: {
      tags: ['analytics'], querystring: CorrelationsQuery,
      summary: 'Lagged correlation between every pair of metrics (first differences of the summed series), at the lag with the largest |r|',
      description: 'lag > 0: metric a leads metric b by lag buckets; n: pairs used; pValue: two-sided t-test of r = 0 (assumes independent pairs).',
    },
  }, async (req, reply) => {
    const q = req.query as Type.Static<typeof CorrelationsQuery>;
    return sendCached(ctx, req, reply, `correlations:${JSON.stringify(q)}`, async () => {
      const s = services();
      const scope = correlationScope(q.scope);
      if (scope.kind === 'product') await assertProduct(s.ch, scope.id);
      return { items: await listMetricCorrelations(s.ch, s.clock.now(), { scope, maxLag: q.maxLag, interval: q.interval as Interval | undefined, from: q.from, to: q.to }) };
    });
  });

};
