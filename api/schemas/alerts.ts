// GET alerts.
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
  dedupKey: Type.String({ description: 'Same product, kind and window → one alert' }), createdAt: Iso(),
}, { additionalProperties: true, description: 'Also its event time (at) and, once scored, the outcome fields of the track record' });
export type Alert = Type.Static<typeof Alert>;
export const AlertPage = Page(Alert);
export type AlertPage = Type.Static<typeof AlertPage>;
