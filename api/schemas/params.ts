// Request parameters that several routes share.
import Type from 'typebox';

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const IntervalParam = Type.Enum(['1m', '1h', '1d'] as const, { default: '1h' });

export const TimeRange = {
  from: Type.Optional(Type.String({ description: 'ISO 8601 start (inclusive)' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 end (exclusive); default now' })),
};
