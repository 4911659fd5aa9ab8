// GET correlations: lead–lag between the engagement metrics of a scope.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { getEventTime } from '../queries/get-event-time.js';
import { assertProduct } from '../queries/has-product.js';
import { listMetricCorrelations, type CorrelationScope } from '../queries/list-metric-correlations.js';
import { errors } from '../schemas/common.js';
import { Correlations, CorrelationsQuery } from '../schemas/trends.js';
import { sendCached } from './shared.js';

/** `all`, `category:<name>` or `product:<id>` (the schema's pattern has checked the form). */
function correlationScope(scope = 'all'): CorrelationScope {
  if (scope === 'all') return { kind: 'all' };
  const value = scope.slice(scope.indexOf(':') + 1);
  return scope.startsWith('category:') ? { kind: 'category', category: value } : { kind: 'product', id: value };
}

export const correlationRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/correlations', {
    schema: {
      tags: ['analytics'], querystring: CorrelationsQuery, response: { 200: Correlations, ...errors(404) },
      summary: 'Lead–lag between every pair of metrics: log changes with the daily/weekly cycle (and, in the market or a category, market traffic) removed, prewhitened, pooled over the scope\'s most active products; each pair at its most significant lag',
      description: 'Complete buckets only. lag > 0: metric a leads metric b by lag buckets of the interval; r: pooled correlation of the prewhitened changes at that lag; n: pairs used; nEffective: independent pairs worth as much evidence (Bartlett/Newey–West, dependence between products and fitted parameters taken out); pValue: two-sided test of r = 0 at that lag alone; pAdjusted: Benjamini–Hochberg over every pair × lag tried (tests); significant: pAdjusted ≤ alpha; products: products that contributed. docs/analytics.md has the method and its limits.',
    },
  }, async (req, reply) => {
    const q = req.query;
    return sendCached(ctx, req, reply, `correlations:${JSON.stringify(q)}`, Correlations, async () => {
      const s = ctx.services!;
      const scope = correlationScope(q.scope);
      if (scope.kind === 'product') await assertProduct(s.ch, scope.id);
      const now = s.clock.now();
      return listMetricCorrelations(s.ch, now, await getEventTime(s.ch, now, ctx.config.allowedLatenessMs), { scope, maxLag: q.maxLag, interval: q.interval, from: q.from, to: q.to });
    });
  });
};
