// One polite HTTP client for every source: per-request timeout, retries with capped backoff that
// honour Retry-After, a per-host request gap (raised by robots.txt Crawl-delay), conditional
// requests (validators kept in the agent's state so they survive restarts), a body size cap, a
// redirect limit with loop detection and robots.txt for scrapers. Errors say what and where.
import robotsParser from 'robots-parser';
import { TrendDropError } from '../../core/errors.js';
import { backoffDelay } from '../../core/retry.js';
import type { Logger } from '../../core/logger.js';

export const ROBOTS_TOKEN = 'TrendDropBot';
export const DEFAULT_USER_AGENT = `${ROBOTS_TOKEN}/0.1 (product trend research; honours robots.txt)`;

export type HttpErrorKind =
  | 'timeout' | 'network' | 'status' | 'too_large' | 'redirect_loop' | 'too_many_redirects'
  | 'robots_disallowed' | 'rate_limited' | 'aborted';

export class HttpError extends TrendDropError {
  constructor(readonly kind: HttpErrorKind, message: string, readonly url: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(`http_${kind}`, `${message} (${url})`, { url, ...context }, { cause });
  }
  get status(): number | undefined { return this.context.status as number | undefined; }
}

/** Where ETag / Last-Modified validators persist: any async key-value store (the agent's StateStore is one). */
export interface ValidatorStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

export interface HttpClientOptions {
  logger: Logger;
  userAgent?: string;
  /** Whole attempt: connect, headers and body. */
  timeoutMs?: number;
  /** Extra attempts after the first, for timeouts, network errors, 408/425/429/5xx. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this fails the request instead of holding the run. */
  maxRetryAfterMs?: number;
  /** Minimum gap between two requests to the same host. */
  perHostIntervalMs?: number;
  maxBodyBytes?: number;
  maxRedirects?: number;
  robotsTtlMs?: number;
  /** Where ETag / Last-Modified validators persist unless a request names its own store. */
  state?: ValidatorStore;
  fetch?: typeof fetch;
}

export interface RequestOptions {
  /** Send If-None-Match / If-Modified-Since from the last answer and report 304 as notModified. */
  conditional?: boolean;
  /**
   * Validators store for this request. The agent passes the run's staged state, so validators
   * of an answer whose items never reached the sink are dropped with them.
   */
  cache?: ValidatorStore;
  /** Check robots.txt first (scrapers). */
  robots?: boolean;
  accept?: string;
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  /** Final URL after redirects. */
  url: string;
  status: number;
  headers: Headers;
  /** Empty when notModified. */
  body: string;
  notModified: boolean;
}

interface Validators { etag?: string; lastModified?: string }
interface RobotsEntry { allowed: (url: string) => boolean; crawlDelayMs: number; expiresAt: number }

const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_CRAWL_DELAY_MS = 60_000;

/** Seconds or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => { clearTimeout(t); reject(signal!.reason); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class HttpClient {
  readonly userAgent: string;
  private readonly o: Required<Omit<HttpClientOptions, 'state' | 'fetch' | 'userAgent'>>;
  private readonly fetchImpl: typeof fetch;
  private readonly hostNext = new Map<string, number>();
  private readonly robots = new Map<string, Promise<RobotsEntry>>();

  constructor(private readonly opts: HttpClientOptions) {
    this.userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.fetchImpl = opts.fetch ?? fetch;
    this.o = {
      logger: opts.logger,
      timeoutMs: opts.timeoutMs ?? 15_000,
      retries: opts.retries ?? 3,
      backoffBaseMs: opts.backoffBaseMs ?? 500,
      backoffMaxMs: opts.backoffMaxMs ?? 30_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 120_000,
      perHostIntervalMs: opts.perHostIntervalMs ?? 1000,
      maxBodyBytes: opts.maxBodyBytes ?? 5 * 1024 * 1024,
      maxRedirects: opts.maxRedirects ?? 5,
      robotsTtlMs: opts.robotsTtlMs ?? 3_600_000,
    };
  }

  /** GET with redirects followed by hand, so that each hop is rate-limited and robots-checked. */
  async get(url: string, ro: RequestOptions = {}): Promise<HttpResponse> {
    const seen = new Set<string>([url]);
    let current = url;
    for (let hop = 0; ; hop++) {
      const res = await this.fetchWithRetries(current, ro);
      if ('location' in res) {
        const next = new URL(res.location, current).href;
        if (seen.has(next)) throw new HttpError('redirect_loop', `redirect loop back to ${next}`, url, { chain: [...seen] });
        if (hop >= this.o.maxRedirects) throw new HttpError('too_many_redirects', `more than ${this.o.maxRedirects} redirects`, url, { chain: [...seen] });
        seen.add(next);
        current = next;
        continue;
      }
      return { ...res.response, url: current };
    }
  }

  private async fetchWithRetries(url: string, ro: RequestOptions): Promise<{ response: HttpResponse } | { location: string }> {
    const u = new URL(url);
    let crawlDelayMs = 0;
    if (ro.robots) {
      const rules = await this.robotsFor(u.origin, ro.signal);
      if (!rules.allowed(url)) throw new HttpError('robots_disallowed', `robots.txt disallows ${ROBOTS_TOKEN}`, url);
      crawlDelayMs = rules.crawlDelayMs;
    }
    const cache = ro.conditional ? ro.cache ?? this.opts.state : undefined;
    const validators = cache ? (await cache.get<Validators>(`http:${url}`)) ?? {} : undefined;
    const attempts = this.o.retries + 1;
    for (let attempt = 1; ; attempt++) {
      await this.takeTurn(u.host, crawlDelayMs, ro.signal);
      let res: Response;
      try {
        res = await this.attempt(url, ro, validators);
      } catch (err) {
        const e = err instanceof HttpError ? err : this.classify(err, url, ro.signal);
        if (e.kind === 'aborted' || e.kind === 'too_large' || attempt >= attempts) throw withAttempt(e, attempt);
        await this.backoff(url, attempt, e.message, undefined, ro.signal);
        continue;
      }
      if (REDIRECT_STATUS.has(res.status)) {
        await res.body?.cancel();
        const location = res.headers.get('location');
        if (!location) throw new HttpError('status', `redirect ${res.status} without Location`, url, { status: res.status });
        return { location };
      }
      if (res.status === 304 && validators) {
        await res.body?.cancel();
        return { response: { url, status: 304, headers: res.headers, body: '', notModified: true } };
      }
      if (!res.ok) {
        await res.body?.cancel();
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        if (retryAfterMs !== undefined) this.pushHost(u.host, retryAfterMs);
        if (!RETRY_STATUS.has(res.status) || attempt >= attempts) {
          throw new HttpError(res.status === 429 ? 'rate_limited' : 'status', `HTTP ${res.status}`, url, { status: res.status, attempt, retryAfterMs });
        }
        if (retryAfterMs !== undefined && retryAfterMs > this.o.maxRetryAfterMs) {
          throw new HttpError('rate_limited', `Retry-After ${Math.round(retryAfterMs / 1000)} s is longer than the ${Math.round(this.o.maxRetryAfterMs / 1000)} s allowed`, url, { status: res.status, attempt, retryAfterMs });
        }
        await this.backoff(url, attempt, `HTTP ${res.status}`, retryAfterMs, ro.signal);
        continue;
      }
      const body = await this.readBody(res, url, ro);
      if (cache) await cache.set(`http:${url}`, validatorsOf(res.headers));
      return { response: { url, status: res.status, headers: res.headers, body, notModified: false } };
    }
  }

  private async attempt(url: string, ro: RequestOptions, v?: Validators): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: ro.accept ?? '*/*' };
    if (v?.etag) headers['if-none-match'] = v.etag;
    if (v?.lastModified) headers['if-modified-since'] = v.lastModified;
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const signal = ro.signal ? AbortSignal.any([ro.signal, timeout]) : timeout;
    // The body is read under the same signal, so the timeout covers a server that stalls mid-body.
    return this.fetchImpl(url, { headers, redirect: 'manual', signal });
  }

  private async readBody(res: Response, url: string, ro: RequestOptions): Promise<string> {
    const max = ro.maxBodyBytes ?? this.o.maxBodyBytes;
    const declared = Number(res.headers.get('content-length'));
    if (declared > max) {
      await res.body?.cancel();
      throw new HttpError('too_large', `body of ${declared} bytes is over the ${max} byte limit`, url, { limit: max, declared });
    }
    if (!res.body) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > max) {
          await reader.cancel();
          throw new HttpError('too_large', `body passed the ${max} byte limit`, url, { limit: max });
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw this.classify(err, url, ro.signal);
    }
    const charset = /charset=([^;]+)/i.exec(res.headers.get('content-type') ?? '')?.[1]?.trim();
    let decoder: TextDecoder;
    try { decoder = new TextDecoder(charset ?? 'utf-8'); } catch { decoder = new TextDecoder('utf-8'); }
    return decoder.decode(Buffer.concat(chunks));
  }

  private classify(err: unknown, url: string, outer?: AbortSignal): HttpError {
    if (err instanceof HttpError) return err;
    if (outer?.aborted) return new HttpError('aborted', 'request aborted', url, {}, err);
    const name = (err as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return new HttpError('timeout', `no complete answer within ${this.o.timeoutMs} ms`, url, { timeoutMs: this.o.timeoutMs }, err);
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    return new HttpError('network', cause?.code ?? cause?.message ?? (err as Error)?.message ?? 'network error', url, { code: cause?.code }, err);
  }

  private async backoff(url: string, attempt: number, reason: string, retryAfterMs: number | undefined, signal?: AbortSignal): Promise<void> {
    const delayMs = Math.max(backoffDelay(attempt, this.o.backoffBaseMs, this.o.backoffMaxMs), retryAfterMs ?? 0);
    this.o.logger.warn({ url, attempt, delayMs, reason }, 'http request failed, retrying');
    await wait(delayMs, signal);
  }

  /** Reserves the host's next slot; concurrent callers queue behind each other. */
  private async takeTurn(host: string, crawlDelayMs: number, signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.hostNext.get(host) ?? 0);
    this.hostNext.set(host, slot + Math.max(this.o.perHostIntervalMs, crawlDelayMs));
    await wait(slot - now, signal);
  }

  /** A Retry-After slows every request to the host, not only the one that got it. */
  private pushHost(host: string, ms: number): void {
    const until = Date.now() + Math.min(ms, this.o.maxRetryAfterMs);
    if ((this.hostNext.get(host) ?? 0) < until) this.hostNext.set(host, until);
  }

  private robotsFor(origin: string, signal?: AbortSignal): Promise<RobotsEntry> {
    const cached = this.robots.get(origin);
    if (cached) {
      return cached.then((e) => {
        if (e.expiresAt > Date.now()) return e;
        this.robots.delete(origin);
        return this.robotsFor(origin, signal);
      });
    }
    const entry = this.loadRobots(origin, signal);
    this.robots.set(origin, entry);
    entry.catch(() => this.robots.delete(origin));
    return entry;
  }

  private async loadRobots(origin: string, signal?: AbortSignal): Promise<RobotsEntry> {
    const robotsUrl = `${origin}/robots.txt`;
    const expiresAt = Date.now() + this.o.robotsTtlMs;
    try {
      const res = await this.get(robotsUrl, { signal, maxBodyBytes: 512 * 1024, accept: 'text/plain' });
      const robot = robotsParser(robotsUrl, res.body);
      const delay = robot.getCrawlDelay(ROBOTS_TOKEN);
      return {
        allowed: (url) => robot.isAllowed(url, ROBOTS_TOKEN) !== false,
        crawlDelayMs: Math.min(MAX_CRAWL_DELAY_MS, (delay ?? 0) * 1000),
        expiresAt,
      };
    } catch (err) {
      if (err instanceof HttpError && err.kind === 'aborted') throw err;
      const status = err instanceof HttpError ? err.status : undefined;
      // RFC 9309: no robots.txt (4xx) allows everything; an unreachable one (5xx, network)
      // means "disallow everything" until it can be read again.
      if (status !== undefined && status >= 400 && status < 500) return { allowed: () => true, crawlDelayMs: 0, expiresAt };
      this.o.logger.warn({ origin, err: (err as Error).message }, 'robots.txt unreachable; not crawling this site for now');
      return { allowed: () => false, crawlDelayMs: 0, expiresAt: Date.now() + Math.min(this.o.robotsTtlMs, 600_000) };
    }
  }
}

function validatorsOf(headers: Headers): Validators {
  const v: Validators = {};
  const etag = headers.get('etag'), lastModified = headers.get('last-modified');
  if (etag) v.etag = etag;
  if (lastModified) v.lastModified = lastModified;
  return v;
}

function withAttempt(e: HttpError, attempt: number): HttpError {
  e.context.attempt = attempt;
  return e;
}
