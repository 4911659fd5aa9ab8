// Configuration is read from the environment here and nowhere else; every other module gets
// the parsed Config passed in. Documented in the README (Configuration).
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';

export type Role = 'ingest' | 'processors' | 'api';
export const ROLES: readonly Role[] = ['ingest', 'processors', 'api'];

export interface ScoreWeights {
  velocity: number;
  acceleration: number;
  volume: number;
  breadth: number;
  conversion: number;
  saturation: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Kafka brokers; empty means the in-process bus. */
  kafkaBrokers: string[];
  topicPrefix: string;
  /** Partitions per topic, for both buses. */
  partitions: number;
  /** A Kafka consumer that stops heartbeating loses its partitions after this long. */
  kafkaSessionTimeoutMs: number;
  /** ClickHouse server URL; null means embedded chdb under dataDir. */
  clickhouseUrl: string | null;
  /** Postgres URL; null means embedded PGlite under dataDir. */
  databaseUrl: string | null;
  simulator: boolean;
  simulatorSeed: number;
  /** Simulated engagement events per second in live mode. */
  simulatorRate: number;
  apiKeys: string[];
  /** Origins (scheme://host[:port]) besides the server's own that browsers may call from: CORS and WebSocket. */
  allowedOrigins: string[];
  /** Writes one client (API key, else IP address) may make per window; null: no limit. */
  writeRateLimit: { max: number; windowMs: number } | null;
  /** Longest a client may take to send a whole request (headers and body), and its headers alone. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** Longest a graceful stop takes: in-flight work is cancelled before, the process exits at it. */
  shutdownTimeoutMs: number;
  logLevel: string;
  scoreWeights: ScoreWeights;
  /** Event-time lateness accepted into windows before an event counts as late. */
  allowedLatenessMs: number;
  /** How often the trend scorer re-scores products that received events. */
  scoreIntervalMs: number;
  /** Discovery agent sources (docs/agent.md); default `<dataDir>/trenddrop.agent.json`. */
  agentConfigFile: string | null;
  /** A consumer group with messages waiting that has not committed progress for this long is stalled: `ready` is 503. */
  consumerStallMs: number;
  /** Failed tries of a consumer on one message before it goes to the dead-letter topic. */
  deliveryAttempts: number;
  /** Days a raw event is kept after it was stored; null keeps them for ever. Rollups are kept regardless. */
  rawRetentionDays: number | null;
  /** Where breakout alerts are POSTed, signed with the secret (processors/alert-webhook.ts); null: no webhook. */
  alertWebhook: AlertWebhookConfig | null;
  /** Memory bounds of the embedded ClickHouse engine (chdb); unused with CLICKHOUSE_URL. */
  engineMemory: EngineMemory;
}

/**
 * Server settings of the embedded engine, given to it when it starts (core/stores/clickhouse.ts).
 * Its own defaults are a server's: each of the three caches may grow to 5 GiB, and the engine as a
 * whole to 90 % of the machine's memory, in a process that also holds Node's heap.
 */
export interface EngineMemory {
  /** max_server_memory_usage: past it a query or merge fails with MEMORY_LIMIT_EXCEEDED; 0 = the engine's default (90 % of RAM). */
  limitMiB: number;
  /** mark_cache_size, primary_index_cache_size and index_mark_cache_size, each. */
  cacheMiB: number;
}

export interface AlertWebhookConfig {
  url: string;
  /** HMAC-SHA256 key of the `x-trenddrop-signature` header. */
  secret: string;
  /** Deliver to link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata services live there); off by default. */
  allowLinkLocal: boolean;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  let u: URL;
  try { u = new URL(raw); } catch { throw new ConfigError(name, `is not a URL: "${raw}"`); }
  if (!protocols.includes(u.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${u.protocol}`);
  return raw;
}

function onOff(env: Env, name: string, def: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (!raw) return def;
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(raw)) throw new ConfigError(name, 'must be on or off');
  return ['on', 'true', '1'].includes(raw);
}

/** Each entry an origin as a browser sends it in `Origin` (scheme://host[:port]), normalized: no path, query or wildcard. */
function origins(env: Env, name: string): string[] {
  return list(env, name).map((raw) => {
    let u: URL | null = null;
    try { u = new URL(raw); } catch { /* refused below */ }
    if (!u || !['http:', 'https:'].includes(u.protocol) || u.pathname !== '/' || u.search || u.hash || u.username || u.password || /[?#*]/.test(raw)) {
      throw new ConfigError(name, `has "${raw}", which is not an origin (http or https://host[:port], no path)`);
    }
    return u.origin;
  });
}

/** A webhook without a secret would let anyone forge alerts to its receiver: both or neither. */
function alertWebhook(env: Env): AlertWebhookConfig | null {
  const u = url(env, 'TRENDDROP_ALERT_WEBHOOK', ['http:', 'https:']);
  const secret = env.TRENDDROP_ALERT_WEBHOOK_SECRET ?? '';
  if (!u) {
    if (secret) throw new ConfigError('TRENDDROP_ALERT_WEBHOOK_SECRET', 'is set but TRENDDROP_ALERT_WEBHOOK is not');
    return null;
  }
  if (secret.length < 16) throw new ConfigError('TRENDDROP_ALERT_WEBHOOK_SECRET', 'must be at least 16 characters when TRENDDROP_ALERT_WEBHOOK is set');
  return { url: u, secret, allowLinkLocal: onOff(env, 'TRENDDROP_ALERT_WEBHOOK_ALLOW_LINK_LOCAL', false) };
}

const DEFAULT_WEIGHTS: ScoreWeights = { velocity: 0.3, acceleration: 0.15, volume: 0.2, breadth: 0.15, conversion: 0.1, saturation: 0.1 };

/** `TRENDDROP_SCORE_WEIGHTS=velocity=0.4,volume=0.2,...`; unnamed weights keep their default. */
function weights(env: Env): ScoreWeights {
  const w = { ...DEFAULT_WEIGHTS };
  for (const part of list(env, 'TRENDDROP_SCORE_WEIGHTS')) {
    const [k, v] = part.split('=');
    if (!(k in w)) throw new ConfigError('TRENDDROP_SCORE_WEIGHTS', `has unknown weight "${k}" (known: ${Object.keys(w).join(', ')})`);
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new ConfigError('TRENDDROP_SCORE_WEIGHTS', `weight ${k} must be a number >= 0`);
    w[k as keyof ScoreWeights] = n;
  }
  if (Object.values(w).every((v) => v === 0)) throw new ConfigError('TRENDDROP_SCORE_WEIGHTS', 'must have at least one weight above 0');
  return w;
}

/** Per minute, 0 for none. The default lets one client send 5,000 writes a second, above what the benches send. */
function writeRateLimit(env: Env): Config['writeRateLimit'] {
  const max = int(env, 'TRENDDROP_WRITE_RATE_LIMIT', 300_000, 0, 100_000_000);
  return max === 0 ? null : { max, windowMs: 60_000 };
}

function timeouts(env: Env): Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'shutdownTimeoutMs'> {
  const requestTimeoutMs = int(env, 'TRENDDROP_REQUEST_TIMEOUT_MS', 60_000, 1000, 3_600_000);
  const headersTimeoutMs = int(env, 'TRENDDROP_HEADERS_TIMEOUT_MS', 10_000, 1000, 3_600_000);
  // Node refuses a headers timeout longer than the whole request's.
  if (headersTimeoutMs > requestTimeoutMs) throw new ConfigError('TRENDDROP_HEADERS_TIMEOUT_MS', `must not exceed TRENDDROP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  return { requestTimeoutMs, headersTimeoutMs, shutdownTimeoutMs: int(env, 'TRENDDROP_SHUTDOWN_TIMEOUT_MS', 15_000, 1000, 600_000) };
}

export function loadConfig(env: Env = process.env): Config {
  const kafkaBrokers = list(env, 'KAFKA_BROKERS');
  const sim = (env.TRENDDROP_SIMULATOR ?? '').trim().toLowerCase();
  if (sim && !['on', 'off', 'true', 'false', '1', '0'].includes(sim)) throw new ConfigError('TRENDDROP_SIMULATOR', 'must be on or off');
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: resolve(env.TRENDDROP_DATA_DIR?.trim() || './data'),
    kafkaBrokers,
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? 'trenddrop.',
    partitions: int(env, 'TRENDDROP_PARTITIONS', 4, 1, 256),
    // The broker refuses sessions outside group.min/max.session.timeout.ms (6 s to 30 min by default).
    kafkaSessionTimeoutMs: int(env, 'TRENDDROP_KAFKA_SESSION_TIMEOUT_MS', 10_000, 6000, 1_800_000),
    clickhouseUrl: url(env, 'CLICKHOUSE_URL', ['http:', 'https:']),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    // On by default only in the all-embedded form: a Kafka deployment has real producers.
    simulator: sim ? ['on', 'true', '1'].includes(sim) : kafkaBrokers.length === 0,
    simulatorSeed: int(env, 'TRENDDROP_SIMULATOR_SEED', 42, 0, 2 ** 31 - 1),
    simulatorRate: int(env, 'TRENDDROP_SIMULATOR_RATE', 50, 1, 1_000_000),
    apiKeys: list(env, 'TRENDDROP_API_KEYS'),
    allowedOrigins: origins(env, 'TRENDDROP_ALLOWED_ORIGINS'),
    writeRateLimit: writeRateLimit(env),
    ...timeouts(env),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    scoreWeights: weights(env),
    allowedLatenessMs: int(env, 'TRENDDROP_ALLOWED_LATENESS_SEC', 3600, 0, 30 * 86400) * 1000,
    scoreIntervalMs: int(env, 'TRENDDROP_SCORE_INTERVAL_MS', 5000, 100, 3_600_000),
    agentConfigFile: env.TRENDDROP_AGENT_CONFIG?.trim() ? resolve(env.TRENDDROP_AGENT_CONFIG.trim()) : null,
    deliveryAttempts: int(env, 'TRENDDROP_DELIVERY_ATTEMPTS', 5, 1, 100),
    consumerStallMs: int(env, 'TRENDDROP_CONSUMER_STALL_SEC', 60, 5, 86_400) * 1000,
    rawRetentionDays: env.TRENDDROP_RAW_RETENTION_DAYS?.trim() ? int(env, 'TRENDDROP_RAW_RETENTION_DAYS', 0, 1, 36_500) : null,
    alertWebhook: alertWebhook(env),
    engineMemory: {
      limitMiB: int(env, 'TRENDDROP_CHDB_MEMORY_LIMIT_MIB', 0, 0, 1_048_576),
      // The marks and primary index of 50M events take a few MiB; the bound only stops a server-sized cache.
      cacheMiB: int(env, 'TRENDDROP_CHDB_CACHE_MIB', 128, 1, 65_536),
    },
  };
}
