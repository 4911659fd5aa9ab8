// Request parameters that several routes share.
import Type from 'typebox';
import { INTERVAL_NAMES } from '../queries/time-range.js';

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const IntervalParam = Type.Enum(INTERVAL_NAMES, { default: '1h', description: 'Bucket width: 1m, 1h, 1d or 1w (ISO weeks from Monday 00:00 UTC)' });

export const TimeRange = {
  from: Type.Optional(Type.String({ description: 'ISO 8601 start (inclusive)' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 end (exclusive); default now' })),
};
