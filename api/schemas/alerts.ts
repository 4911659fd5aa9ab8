// GET alerts, alerts/ledger (their track record) and alerts/deliveries (the webhook's log).
import Type from 'typebox';
import { Cursor, Id, Iso, Nullable, Page } from './common.js';

export const AlertsQuery = Type.Object({
  productId: Type.Optional(Id('Only this product\'s alerts')),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Cursor(200),
});
export type AlertsQuery = Type.Static<typeof AlertsQuery>;

export const Alert = Type.Object({
  alertId: Type.Integer(), productId: Type.String(),
  title: Type.String({ description: 'The product\'s title (its id while it has no metadata)' }),
  kind: Type.String(), severity: Type.String(), message: Type.String(), value: Nullable(Type.Number()),
  dedupKey: Type.String({ description: 'One alert per product and episode' }),
  at: Iso('Event time: start of the bucket that raised it'),
  stepSec: Type.Integer({ description: 'Step of the series it was raised on, in seconds (3600 for live hourly engagement)' }),
  createdAt: Iso('When it was raised (arrival time)'),
  outcome: Nullable(Type.Union([Type.Literal('hit'), Type.Literal('miss')], { description: 'Once event time has passed its horizon; null while pending' })),
  baseline: Nullable(Type.Number({ description: 'Weighted engagement over the horizon before the alert\'s bucket' })),
  after: Nullable(Type.Number({ description: 'Weighted engagement over the horizon after it' })),
  peakAt: Nullable(Iso('Bucket of peak engagement within the peak search after the alert')),
  leadTimeSec: Nullable(Type.Integer({ description: 'From the alert to that peak' })),
  evaluatedAt: Nullable(Iso('When the outcome was judged')),
});
export type Alert = Type.Static<typeof Alert>;
export const AlertPage = Page(Alert);
export type AlertPage = Type.Static<typeof AlertPage>;

export const LedgerQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3660, default: 30, description: 'Span of event time ending at the settled watermark' })),
  period: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'week' })),
});
export type LedgerQuery = Type.Static<typeof LedgerQuery>;

export const LedgerFigures = Type.Object({
  alerts: Type.Integer(),
  judged: Type.Integer({ description: 'Alerts whose outcome is known' }),
  pending: Type.Integer(), hits: Type.Integer(),
  falseAlarms: Type.Integer({ description: 'Judged alerts not followed by the growth' }),
  hitRate: Nullable(Type.Number()),
  baseMoments: Type.Integer({ description: 'Comparable moments without an alert, judged by the same rule' }),
  baseRate: Nullable(Type.Number()),
  lift: Nullable(Type.Number({ description: 'hitRate / baseRate' })),
  medianLeadTimeSec: Nullable(Type.Number({ description: 'Median time from alert to the peak of engagement, over judged alerts' })),
});
export type LedgerFigures = Type.Static<typeof LedgerFigures>;
const LedgerRow = Type.Intersect([LedgerFigures, Type.Object({ key: Type.String({ description: 'Period start (ISO) or category' }) })]);

export const AlertLedger = Type.Object({
  from: Iso(), to: Iso(), period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
  method: Type.Object({ hit: Type.String(), baseRate: Type.String(), leadTime: Type.String() }, { description: 'How outcomes and the base rate are defined, in words' }),
  overall: LedgerFigures,
  periods: Type.Array(LedgerRow),
  categories: Type.Array(LedgerRow),
});
export type AlertLedger = Type.Static<typeof AlertLedger>;

export const DeliveriesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Cursor(200),
});
export type DeliveriesQuery = Type.Static<typeof DeliveriesQuery>;

export const AlertDelivery = Type.Object({
  alertId: Type.Integer(), productId: Type.String(), message: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')], { description: 'failed: gave up after the last attempt' }),
  attempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()), lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Iso('While pending')), deliveredAt: Nullable(Iso()), createdAt: Nullable(Iso()),
});
export type AlertDelivery = Type.Static<typeof AlertDelivery>;
export const AlertDeliveryPage = Page(AlertDelivery);
export type AlertDeliveryPage = Type.Static<typeof AlertDeliveryPage>;
