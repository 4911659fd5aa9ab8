// Building blocks of the API contract: the one error shape, nullable values, pages, and the
// product id and time parameters several routes take. Like every file in api/schemas/, this
// imports nothing but TypeBox and the message contracts, so the dashboard can derive its types
// from it (type-only) without pulling server code into its build or its type check.
import Type, { type TSchema } from 'typebox';

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable machine-readable code, e.g. invalid_request, not_found' }),
    message: Type.String(),
    details: Type.Array(Type.Object({ index: Type.Optional(Type.Integer({ description: 'Item of a batch' })), field: Type.String(), reason: Type.String() })),
  }),
}, { description: 'Every error: 4xx for the caller\'s mistakes, 5xx for the server\'s own (internals never shown)' });
export type ErrorBody = Type.Static<typeof ErrorBody>;

/** The error answers a data route can give besides its own: 400 (bad input), 500, 503 (starting). */
export const errors = <C extends number>(...codes: C[]) => Object.fromEntries([...codes, 400, 500, 503].map((c) => [c, ErrorBody])) as Record<C | 400 | 500 | 503, typeof ErrorBody>;

/** A write's error answers besides its own: 401 (no valid key), 403 (a page on a foreign origin), 429 (over its rate limit). */
export const writeErrors = <C extends number>(...codes: C[]) => errors<C | 401 | 403 | 429>(401, 403, 429, ...codes);

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A list answer: the items and the cursor of the next page (null on the last). */
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const Iso = (description = 'ISO 8601 UTC') => Type.String({ description });

/** An id any store can hold: no whitespace or control characters. */
export const ID_CHARS = '[^\\s\\x00-\\x1F\\x7F]';
export const Id = (description: string) => Type.String({ minLength: 1, maxLength: 128, pattern: `^${ID_CHARS}+$`, description });
export const IdParams = Type.Object({ id: Id('Product id') });

export const INTERVALS = ['1m', '1h', '1d', '1w'] as const;
export const IntervalParam = Type.Enum(INTERVALS, { default: '1h', description: 'Bucket width: 1m, 1h, 1d or 1w (ISO weeks from Monday 00:00 UTC)' });

export const TimeRange = {
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 start (inclusive), 1970 to 2106' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 end (exclusive), 1970 to 2106; default now' })),
};

export const Cursor = (maxLength: number) => Type.Optional(Type.String({ maxLength, description: 'nextCursor of the previous page' }));
