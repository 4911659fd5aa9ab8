// Retries with capped exponential backoff and jitter; each failed attempt is logged with the
// attempt number and the delay before the next one, so a slow start-up explains itself.
import type { Logger } from './logger.js';

export interface RetryOptions {
  what: string;
  logger: Logger;
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  /** Called with each failure; return false to stop retrying at once. */
  retryable?: (err: unknown) => boolean;
  /** Told of each failure that will be retried (e.g. to show it in `ready` while it lasts). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const attempts = o.attempts ?? 10, baseMs = o.baseMs ?? 200, maxMs = o.maxMs ?? 10_000;
  const wait = o.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || (o.retryable && !o.retryable(err))) throw err;
      const delayMs = backoffDelay(attempt, baseMs, maxMs);
      o.logger.warn({ what: o.what, attempt, delayMs, err: (err as Error).message }, 'not ready yet, retrying');
      o.onRetry?.(err, attempt, delayMs);
      await wait(delayMs);
    }
  }
}
