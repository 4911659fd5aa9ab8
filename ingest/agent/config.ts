// The agent's sources in one JSON file (`trenddrop.agent.json` in the data dir unless a path is
// given), checked at start against the schemas below; every problem is reported at once with its
// path and reason. docs/agent.md documents the format.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { TrendDropError } from '../../core/errors.js';
import { PLATFORMS } from '../../schemas/events.js';
import { isRegionCode } from '../../schemas/validate.js';
import { FORMATS } from './formats/items.js';
import { RECORD_FIELDS } from './formats/records.js';

export const AGENT_CONFIG_FILE = 'trenddrop.agent.json';

const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', description: 'Unique source name: lowercase letters, digits, . _ -' });
const Every = Type.String({ pattern: '^[0-9]+(ms|s|m|h|d)$', description: 'Run interval, e.g. 30s, 15m, 6h, 1d' });
const HttpUrl = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });
const Region = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2; ZZ = worldwide' });
const Platform = Type.Enum([...PLATFORMS]);
const Common = { name: Name, every: Type.Optional(Every), enabled: Type.Optional(Type.Boolean()) };
const Pos = (max: number) => Type.Integer({ minimum: 1, maximum: max });
const obj = <P extends Record<string, TSchema>>(p: P) => Type.Object(p, { additionalProperties: false });

const Shopify = obj({
  type: Type.Literal('shopify'), ...Common, store: HttpUrl, currency: Type.Optional(Currency),
  maxPages: Type.Optional(Pos(1000)), pageSize: Type.Optional(Pos(250)),
});
const JsonLd = obj({
  type: Type.Literal('jsonld'), ...Common, urls: Type.Array(HttpUrl, { minItems: 1, maxItems: 10_000 }),
  region: Type.Optional(Region), platform: Type.Optional(Platform), currency: Type.Optional(Currency),
});
const Feed = obj({
  type: Type.Literal('feed'), ...Common, url: HttpUrl, region: Type.Optional(Region), platform: Type.Optional(Platform),
  itemsAreProducts: Type.Optional(Type.Boolean()), currency: Type.Optional(Currency),
  watch: Type.Optional(Type.Array(obj({ productId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s]+$' }), terms: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) }))),
});
const File = obj({
  type: Type.Literal('file'), ...Common, path: Type.Optional(Type.String({ minLength: 1 })), url: Type.Optional(HttpUrl),
  format: Type.Optional(Type.Enum([...FORMATS])), map: Type.Optional(Type.Record(Type.String(), Type.Enum([...RECORD_FIELDS]))),
  product: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s]+$' })),
  terms: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s]+$' }))),
});
const Simulator = obj({ type: Type.Literal('simulator'), ...Common });

const SOURCE_SCHEMAS = { shopify: Shopify, jsonld: JsonLd, feed: Feed, file: File, simulator: Simulator } as const;
export type SourceType = keyof typeof SOURCE_SCHEMAS;

/** Interval when a source names none: frequent enough to see trends, rare enough to be polite. */
export const DEFAULT_EVERY: Record<SourceType, string> = { shopify: '6h', jsonld: '12h', feed: '30m', file: '1h', simulator: '1s' };

const Top = obj({
  userAgent: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  http: Type.Optional(obj({
    timeoutMs: Type.Optional(Pos(600_000)), retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    backoffBaseMs: Type.Optional(Pos(600_000)), backoffMaxMs: Type.Optional(Pos(3_600_000)),
    maxRetryAfterMs: Type.Optional(Pos(3_600_000)), perHostIntervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    maxBodyBytes: Type.Optional(Pos(1024 ** 3)), maxRedirects: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
  })),
  currency: Type.Optional(obj({ base: Currency, rates: Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 })) })),
  sources: Type.Array(Type.Object({ type: Type.Enum(Object.keys(SOURCE_SCHEMAS)) })),
});

export type ShopifySourceConfig = Type.Static<typeof Shopify>;
export type JsonLdSourceConfig = Type.Static<typeof JsonLd>;
export type FeedSourceConfig = Type.Static<typeof Feed>;
export type FileSourceConfig = Type.Static<typeof File>;
export type SimulatorSourceConfig = Type.Static<typeof Simulator>;
export type SourceConfig = ShopifySourceConfig | JsonLdSourceConfig | FeedSourceConfig | FileSourceConfig | SimulatorSourceConfig;
export type AgentConfig = Omit<Type.Static<typeof Top>, 'sources'> & { sources: SourceConfig[] };

export interface ConfigProblem { path: string; reason: string }

export class AgentConfigError extends TrendDropError {
  constructor(readonly file: string, readonly problems: ConfigProblem[]) {
    super('bad_agent_config', `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p.path || '(top)'}: ${p.reason}`).join('\n')}`, { file, problems });
  }
}

const topCheck = Compile(Top);
const sourceChecks = Object.fromEntries(Object.entries(SOURCE_SCHEMAS).map(([k, s]) => [k, Compile(s)])) as Record<SourceType, ReturnType<typeof Compile>>;

/** `/sources/0/store` → `sources[0].store` */
const jsPath = (base: string, pointer: string) =>
  (base + pointer).split('/').filter(Boolean).reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');

function problems(check: ReturnType<typeof Compile>, value: unknown, base: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const e of check.Errors(value)) {
    const params = e.params as { requiredProperties?: string[]; additionalProperties?: string[]; allowedValues?: unknown[] };
    if (e.keyword === 'boolean') continue; // repeats the additionalProperties report
    if (params.requiredProperties) for (const f of params.requiredProperties) out.push({ path: jsPath(base, `${e.instancePath}/${f}`), reason: 'is required' });
    else if (params.additionalProperties) for (const f of params.additionalProperties) out.push({ path: jsPath(base, `${e.instancePath}/${f}`), reason: 'is not a known option' });
    else if (params.allowedValues) out.push({ path: jsPath(base, e.instancePath), reason: `must be one of: ${params.allowedValues.join(', ')}` });
    else out.push({ path: jsPath(base, e.instancePath), reason: e.message });
  }
  return out;
}

/** Checks a parsed config; throws AgentConfigError listing every problem. */
export function validateAgentConfig(value: unknown, file = AGENT_CONFIG_FILE): AgentConfig {
  if (!topCheck.Check(value)) throw new AgentConfigError(file, problems(topCheck, value, ''));
  const cfg = value as AgentConfig;
  const found: ConfigProblem[] = [];
  const names = new Set<string>();
  cfg.sources.forEach((s, i) => {
    const base = `/sources/${i}`;
    found.push(...problems(sourceChecks[s.type], s, base));
    if (typeof s.name === 'string') {
      if (names.has(s.name)) found.push({ path: jsPath(base, '/name'), reason: `"${s.name}" is used by another source` });
      names.add(s.name);
    }
    if (typeof s.every === 'string' && /^[0-9]+(ms|s|m|h|d)$/.test(s.every) && durationMs(s.every) < 1000) found.push({ path: jsPath(base, '/every'), reason: 'must be at least 1s' });
    if (s.type === 'file' && !s.path === !s.url) found.push({ path: jsPath(base, ''), reason: 'needs exactly one of "path" and "url"' });
    if ((s.type === 'jsonld' || s.type === 'feed') && s.region && !isRegionCode(s.region)) found.push({ path: jsPath(base, '/region'), reason: `"${s.region}" is not an ISO 3166-1 alpha-2 code` });
  });
  if (cfg.currency) {
    for (const code of Object.keys(cfg.currency.rates)) {
      if (!/^[A-Z]{3}$/.test(code)) found.push({ path: `currency.rates.${code}`, reason: 'is not an ISO 4217 code' });
    }
  }
  if (found.length) throw new AgentConfigError(file, found);
  return cfg;
}

export const agentConfigPath = (dataDir: string, explicit?: string): string => explicit ?? join(dataDir, AGENT_CONFIG_FILE);

/** Reads and checks the config file; a missing file is an empty config (no sources). */
export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { sources: [] };
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError(file, [{ path: '', reason: `is not valid JSON: ${(err as Error).message}` }]);
  }
  return validateAgentConfig(value, file);
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export function durationMs(every: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(every);
  if (!m) throw new Error(`"${every}" is not a duration like 30s, 15m, 6h, 1d`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
