// Configuration is parsed once, with the defaults the README's table documents and clear errors
// naming the variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';

describe('config', () => {
  it('defaults to the embedded form on port 3000 with the simulator on', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, kafkaBrokers: [], topicPrefix: 'trenddrop.', clickhouseUrl: null, databaseUrl: null, simulator: true, apiKeys: [] });
    expect(c.dataDir.endsWith('/data')).toBe(true);
  });

  it('turns the simulator off by default on Kafka, and on or off on request', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'a:9092, b:9092' })).toMatchObject({ kafkaBrokers: ['a:9092', 'b:9092'], simulator: false });
    expect(loadConfig({ KAFKA_BROKERS: 'a:9092', TRENDDROP_SIMULATOR: 'on' }).simulator).toBe(true);
    expect(loadConfig({ TRENDDROP_SIMULATOR: 'off' }).simulator).toBe(false);
  });

  it('bounds the embedded engine\'s caches by default, its whole memory only on request', () => {
    expect(loadConfig({}).engineMemory).toEqual({ limitMiB: 0, cacheMiB: 128 });
    expect(loadConfig({ TRENDDROP_CHDB_MEMORY_LIMIT_MIB: '1536', TRENDDROP_CHDB_CACHE_MIB: '64' }).engineMemory).toEqual({ limitMiB: 1536, cacheMiB: 64 });
    expect(() => loadConfig({ TRENDDROP_CHDB_CACHE_MIB: '0' })).toThrow(/TRENDDROP_CHDB_CACHE_MIB must be an integer from 1/);
    expect(() => loadConfig({ TRENDDROP_CHDB_MEMORY_LIMIT_MIB: '1.5' })).toThrow(/TRENDDROP_CHDB_MEMORY_LIMIT_MIB must be an integer/);
  });

  it('takes an alert webhook only with its secret, link-local targets off unless asked', () => {
    expect(loadConfig({}).alertWebhook).toBeNull();
    const secret = 'sixteen-chars-or-more';
    expect(loadConfig({ TRENDDROP_ALERT_WEBHOOK: 'https://hooks.example.com/x', TRENDDROP_ALERT_WEBHOOK_SECRET: secret }).alertWebhook)
      .toEqual({ url: 'https://hooks.example.com/x', secret, allowLinkLocal: false });
    expect(loadConfig({ TRENDDROP_ALERT_WEBHOOK: 'http://127.0.0.1:9/x', TRENDDROP_ALERT_WEBHOOK_SECRET: secret, TRENDDROP_ALERT_WEBHOOK_ALLOW_LINK_LOCAL: 'on' }).alertWebhook?.allowLinkLocal).toBe(true);
    expect(() => loadConfig({ TRENDDROP_ALERT_WEBHOOK: 'https://hooks.example.com/x' })).toThrow(/TRENDDROP_ALERT_WEBHOOK_SECRET.*at least 16/);
    expect(() => loadConfig({ TRENDDROP_ALERT_WEBHOOK_SECRET: secret })).toThrow(/TRENDDROP_ALERT_WEBHOOK is not/);
    expect(() => loadConfig({ TRENDDROP_ALERT_WEBHOOK: 'ftp://x', TRENDDROP_ALERT_WEBHOOK_SECRET: secret })).toThrow(/TRENDDROP_ALERT_WEBHOOK.*http/);
  });

  it('parses score weights, keeping the defaults of those not named', () => {
    const w = loadConfig({ TRENDDROP_SCORE_WEIGHTS: 'velocity=0.5,volume=0' }).scoreWeights;
    expect(w.velocity).toBe(0.5);
    expect(w.volume).toBe(0);
    expect(w.breadth).toBe(loadConfig({}).scoreWeights.breadth);
  });

  it('bounds slow clients and the stop, by default and on request', () => {
    expect(loadConfig({})).toMatchObject({ requestTimeoutMs: 60_000, headersTimeoutMs: 10_000, shutdownTimeoutMs: 15_000 });
    expect(loadConfig({ TRENDDROP_REQUEST_TIMEOUT_MS: '5000', TRENDDROP_HEADERS_TIMEOUT_MS: '2000', TRENDDROP_SHUTDOWN_TIMEOUT_MS: '30000' }))
      .toMatchObject({ requestTimeoutMs: 5000, headersTimeoutMs: 2000, shutdownTimeoutMs: 30_000 });
  });

  it('keeps raw events for ever unless a retention is set; retries a failing message 5 times by default', () => {
    expect(loadConfig({})).toMatchObject({ rawRetentionDays: null, deliveryAttempts: 5 });
    expect(loadConfig({ TRENDDROP_RAW_RETENTION_DAYS: ' 90 ', TRENDDROP_DELIVERY_ATTEMPTS: '3' })).toMatchObject({ rawRetentionDays: 90, deliveryAttempts: 3 });
  });

  it('serves pages of its own origin only by default, and normalizes the origins allowed', () => {
    expect(loadConfig({}).allowedOrigins).toEqual([]);
    expect(loadConfig({ TRENDDROP_ALLOWED_ORIGINS: 'https://A.example:443/, http://b.example:8080' }).allowedOrigins).toEqual(['https://a.example', 'http://b.example:8080']);
  });

  it('limits writes per client to 300,000 a minute by default (above what the benches send), 0 for none', () => {
    expect(loadConfig({}).writeRateLimit).toEqual({ max: 300_000, windowMs: 60_000 });
    expect(loadConfig({ TRENDDROP_WRITE_RATE_LIMIT: '600' }).writeRateLimit).toEqual({ max: 600, windowMs: 60_000 });
    expect(loadConfig({ TRENDDROP_WRITE_RATE_LIMIT: '0' }).writeRateLimit).toBeNull();
  });

  it('calls a consumer stalled after a minute without progress by default', () => {
    expect(loadConfig({}).consumerStallMs).toBe(60_000);
    expect(loadConfig({ TRENDDROP_CONSUMER_STALL_SEC: '15' }).consumerStallMs).toBe(15_000);
  });

  it.each([
    ...['*', 'shop.example', 'https://shop.example/path', 'https://*.example', 'ftp://shop.example', 'https://shop.example?x', 'https://u:p@shop.example']
      .map((o) => [{ TRENDDROP_ALLOWED_ORIGINS: o }, /TRENDDROP_ALLOWED_ORIGINS has .* which is not an origin/] as [Record<string, string>, RegExp]),
    [{ TRENDDROP_WRITE_RATE_LIMIT: '-1' }, /TRENDDROP_WRITE_RATE_LIMIT must be an integer from 0/],
    [{ TRENDDROP_CONSUMER_STALL_SEC: '1' }, /TRENDDROP_CONSUMER_STALL_SEC must be an integer from 5/],
    [{ TRENDDROP_HEADERS_TIMEOUT_MS: '20000', TRENDDROP_REQUEST_TIMEOUT_MS: '10000' }, /TRENDDROP_HEADERS_TIMEOUT_MS must not exceed TRENDDROP_REQUEST_TIMEOUT_MS/],
    [{ TRENDDROP_REQUEST_TIMEOUT_MS: '0' }, /TRENDDROP_REQUEST_TIMEOUT_MS must be an integer from 1000/],
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer from 0 to 65535/],
    [{ CLICKHOUSE_URL: 'not a url' }, /CLICKHOUSE_URL is not a URL/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must use postgres:/],
    [{ TRENDDROP_SIMULATOR: 'maybe' }, /TRENDDROP_SIMULATOR must be on or off/],
    [{ TRENDDROP_SCORE_WEIGHTS: 'charm=1' }, /unknown weight "charm"/],
    [{ TRENDDROP_SCORE_WEIGHTS: 'velocity=-1' }, /must be a number >= 0/],
    [{ TRENDDROP_DELIVERY_ATTEMPTS: '0' }, /TRENDDROP_DELIVERY_ATTEMPTS must be an integer from 1 to 100/],
    [{ TRENDDROP_RAW_RETENTION_DAYS: '0' }, /TRENDDROP_RAW_RETENTION_DAYS must be an integer from 1 to 36500/],
    [{ TRENDDROP_RAW_RETENTION_DAYS: '7.5' }, /TRENDDROP_RAW_RETENTION_DAYS must be an integer/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
