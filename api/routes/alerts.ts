// GET alerts: breakout alerts, newest first, with cursor pagination; alerts/ledger: their track
// record; alerts/deliveries: the webhook's delivery log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { listAlerts } from '../queries/list-alerts.js';
import { getAlertLedger } from '../queries/get-alert-ledger.js';
import { listAlertDeliveries } from '../queries/list-alert-deliveries.js';
import { AlertDeliveryPage, AlertLedger, AlertPage, AlertsQuery, DeliveriesQuery, LedgerQuery } from '../schemas/alerts.js';
import { errors } from '../schemas/common.js';
import { settledBefore } from '../../analytics/event-time.js';
import { readWatermark } from '../../processors/watermark.js';

export const alertRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/alerts/deliveries', {
    schema: { tags: ['alerts'], summary: 'Webhook delivery log (TRENDDROP_ALERT_WEBHOOK): status, attempts and last error per alert, newest first', querystring: DeliveriesQuery, response: { 200: AlertDeliveryPage, ...errors() } },
  }, async (req) => listAlertDeliveries(ctx.services!.db, req.query));

  app.get('/alerts/ledger', {
    schema: { tags: ['alerts'], summary: 'Track record of breakout alerts: hit rate, base rate, lift, median lead time and false alarms, overall, per period and per category', querystring: LedgerQuery, response: { 200: AlertLedger, ...errors() } },
  }, async (req) => {
    const q = req.query;
    const s = ctx.services!;
    const to = settledBefore(await readWatermark(s.ch, s.clock.now()), ctx.config.allowedLatenessMs);
    return getAlertLedger(s.ch, s.db, { from: to - (q.days ?? 30) * 86_400_000, to, period: q.period ?? 'week' });
  });

  app.get('/alerts', {
    schema: { tags: ['alerts'], summary: 'Breakout alerts with their product\'s title, newest first (limit ≤ 200)', querystring: AlertsQuery, response: { 200: AlertPage, ...errors() } },
  }, async (req) => listAlerts(ctx.services!.db, req.query));
};
