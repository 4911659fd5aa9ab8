// Typed errors. Each carries a stable code and the context a caller or a log reader needs.
import type { FieldError } from '../schemas/validate.js';

export class TrendDropError extends Error {
  constructor(readonly code: string, message: string, readonly context: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller sent something we refuse; `details` names each field at fault. */
export class ValidationError extends TrendDropError {
  constructor(message: string, readonly details: (FieldError & { index?: number })[], readonly status = 400) {
    super('invalid_request', message, { details });
  }
}

export class NotFoundError extends TrendDropError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} not found`, { what, id });
  }
}

/** The request is valid but cannot be done here or now (e.g. sent to the wrong role). */
export class ConflictError extends TrendDropError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** A client sent more writes than its rate limit allows; it may try again after `retryAfterSec`. */
export class RateLimitedError extends TrendDropError {
  constructor(readonly limit: number, readonly windowMs: number, readonly retryAfterSec: number) {
    super('rate_limited', `more than ${limit} writes in ${windowMs / 1000} s from this client; retry in ${retryAfterSec} s`, { limit, windowMs, retryAfterSec });
  }
}

export class ConfigError extends TrendDropError {
  constructor(variable: string, reason: string) {
    super('bad_config', `${variable} ${reason}`, { variable });
  }
}

/** A backing service (Kafka, ClickHouse, Postgres) could not be reached or answered wrongly. */
export class StoreError extends TrendDropError {
  constructor(store: string, message: string, cause?: unknown) {
    super('store_unavailable', `${store}: ${message}`, { store }, { cause });
  }
}

// Node and undici codes for a peer that is down, unreachable or cut off mid-request.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);
const KAFKA_WRAPPERS = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);
// ClickHouse errors that say "not now" about the server, not "never" about the data.
const CLICKHOUSE_TRANSIENT = new Set([
  'TIMEOUT_EXCEEDED', 'SOCKET_TIMEOUT', 'NETWORK_ERROR', 'TOO_MANY_SIMULTANEOUS_QUERIES', 'MEMORY_LIMIT_EXCEEDED',
  'ALL_CONNECTION_TRIES_FAILED', 'TABLE_IS_READ_ONLY', 'KEEPER_EXCEPTION', 'SERVER_OVERLOADED',
]);
// Postgres SQLSTATEs: connection exception (08), insufficient resources (53), operator
// intervention (57P01 admin shutdown — pg_terminate_backend —, 57P02 crash, 57P03 cannot connect
// now), and serialization failures and deadlocks, which succeed when run again.
const PG_TRANSIENT = /^(08|53|57P0[1-3]$|40001$|40P01$)/;
// node-postgres reports a socket that went away as plain Errors with these messages.
const PG_CONNECTION_LOST = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|not currently accepting connections/i;

/**
 * Whether an error says a dependency is unavailable right now (down, unreachable, overloaded)
 * rather than that the work itself is wrong. Work that failed transiently is retried until the
 * dependency returns; anything else is retried a bounded number of times and then set aside
 * (dead-lettered), so one bad message cannot stall a partition for ever. Looks through `cause`.
 */
export function isTransient(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; type?: unknown; name?: unknown; message?: unknown; retriable?: unknown; cause?: unknown };
  if (err instanceof StoreError) return true;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (NETWORK_CODES.has(code)) return true;
  // kafkajs marks its own errors retriable or not; its retrier wraps the last one ("retries
  // exceeded", or "non-retriable" around a refused connection), which is what to look at.
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS') && !KAFKA_WRAPPERS.has(e.name)) return e.retriable === true;
  if (typeof e.type === 'string') {
    if (CLICKHOUSE_TRANSIENT.has(e.type)) return true;
    // Too many parts in total: merges catch up. (Too many partitions in one insert never does.)
    if (e.type === 'TOO_MANY_PARTS' && !/single INSERT block/i.test(message)) return true;
  }
  if ('severity' in e && PG_TRANSIENT.test(code)) return true; // a Postgres DatabaseError
  if (PG_CONNECTION_LOST.test(message) || /socket hang up|fetch failed/i.test(message)) return isTransientCause(e.cause, depth) || !e.cause;
  return isTransientCause(e.cause, depth);
}

const isTransientCause = (cause: unknown, depth: number) => cause !== undefined && isTransient(cause, depth + 1);

/**
 * What went wrong, for logs, `ready` and dead letters: the innermost cause's message. Wrappers
 * such as drizzle's "Failed query: <SQL> params: <values>" repeat the statement and its data
 * (long, and not for `ready` to show) around the one line that matters.
 */
export function rootMessage(err: unknown): string {
  let e = err;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (e as { cause?: unknown } | null)?.cause;
    if (!(cause instanceof Error) || !cause.message) break;
    e = cause;
  }
  return e instanceof Error ? e.message : String(e);
}
