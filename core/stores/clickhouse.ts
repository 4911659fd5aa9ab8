// The time-series store: the official @clickhouse/client API over either the embedded chdb
// engine (data under the data dir) or a ClickHouse server, chosen by CLICKHOUSE_URL alone; and
// the runner that applies the numbered migrations of schemas/clickhouse to either, and the
// configured raw retention.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, parseError, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { ChdbConnection, ConnBaseQueryParams } from 'chdb/connection';
import pLimit, { type LimitFunction } from 'p-limit';
import { clickhouseMigrations } from '../../schemas/clickhouse/migrations.js';
import { rawRetentionStatement, rawRetentionTtl } from '../../schemas/clickhouse/retention.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { Config, EngineMemory } from '../config.js';
import { StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Turns } from '../turns.js';
import { INLINE_MAX_QUERY_BYTES, inlineParams } from './inline-params.js';

export type { ClickHouseClient };

export interface ClickHouseStore {
  client: ClickHouseClient;
  /**
   * For the ingest path's writes (the raw sink). Embedded, a connection of its own: chdb runs one
   * query at a time per connection, so the sink's inserts would otherwise queue behind the API's
   * and the scorer's reads, and hold them up in turn. On a server, the same pooled client.
   */
  writer: ClickHouseClient;
  /**
   * For the scorer's and forecaster's rounds, which at 100k products read for tens of seconds.
   * Embedded, a connection of its own, so the API's reads do not wait behind a round (an
   * overview once waited 94 s behind one). On a server, the same pooled client.
   */
  rounds: ClickHouseClient;
  kind: 'chdb' | 'server';
  /**
   * Cancels the queries running now, for a stop that must keep its time bound. Embedded, a
   * running query would hold up even process.exit until it ends (minutes, for a big one); a
   * server's queries do not hold this process, so there it does nothing.
   */
  cancelQueries(): Promise<void>;
  /** Closes the connections. */
  close(): Promise<void>;
}

/** The chdb connection under each embedded client and its turn-taking, for its raw inserts (insertBody). */
const embedded = new WeakMap<ClickHouseClient, { connection: ChdbConnection; turn: LimitFunction }>();

/**
 * Inserts a body already in `format` (bytes, as the encoders make them). On a server, it is the
 * request body. Embedded, the client's insert would decode the bytes into a string, append it to
 * the statement and have the engine parse the whole as one query; chdb's raw insert takes the
 * bytes as they are. Errors keep the client's shape (ClickHouseError with its type), which
 * isTransient reads. `settings` go with the insert on either engine.
 */
export async function insertBody(ch: ClickHouseClient, o: { table: string; columns: readonly string[]; format: 'TabSeparated'; body: Buffer; settings?: ClickHouseSettings }): Promise<void> {
  const e = embedded.get(ch);
  if (!e) {
    await ch.insert({ table: o.table, columns: o.columns as [string, ...string[]], format: o.format, values: Readable.from([o.body], { objectMode: false }), clickhouse_settings: o.settings });
    return;
  }
  try {
    await e.turn(() => e.connection.chdb.rawInsert({ table: o.table, columns: o.columns, format: o.format, values: o.body, settings: o.settings as Record<string, string | number | boolean> | undefined }));
  } catch (err) {
    const mapped = parseError(err instanceof Error && err.message ? err.message : String(err));
    if (mapped !== err) mapped.cause = err;
    throw mapped;
  }
}

/**
 * A query's rows as objects, read in the compact form: the column names once, then each row as an
 * array. JSONEachRow repeats every name in every row, and producing and parsing those made up
 * about a third of the scorer's features query CPU at 20k products (2.4 → 1.6 s a query).
 */
export function queryRows<T>(ch: ClickHouseClient, query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  return queryEach<T>(ch, query, query_params, (r, names) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) o[names[i]] = r[i];
    return o as T;
  });
}

/**
 * A query's rows, each made by `make` from its array of values (in the compact form, as
 * queryRows) as its line is parsed. The result set's json() parses every line into an array
 * first and returns them all: at 100k rows those arrays (64-bit integers arrive as strings)
 * outlived several minor collections and landed in the old generation beside the values made
 * from them. Read line by line, each array dies young. The event loop gets turns meanwhile
 * (core/turns.ts): the embedded engine hands over its whole result at once, and parsing 100k
 * rows of the scorer's features held the main thread for a third of a second.
 */
export async function queryEach<T>(ch: ClickHouseClient, query: string, query_params: Record<string, unknown>, make: (row: unknown[], names: readonly string[]) => T): Promise<T[]> {
  const rs = await ch.query({ query, query_params, format: 'JSONCompactEachRowWithNames' });
  const out: T[] = [];
  const turns = new Turns();
  let names: string[] | null = null;
  for await (const rows of rs.stream()) {
    for (const row of rows) {
      const values = row.json<unknown[]>();
      if (names === null) names = values as string[];
      else out.push(make(values, names));
      await turns.pass();
    }
  }
  return out;
}

/**
 * An embedded connection whose queries carry their parameters inline (core/stores/inline-params.ts):
 * chdb runs bound queries one at a time across every connection of the process, which would put
 * the sink's and the API's reads behind the rounds' long queries again. And whose queries take
 * turns here (`turn`): chdb runs a connection's queries one at a time anyway, but each one waiting
 * for its turn inside chdb holds a libuv pool thread, so a round's queued queries took every
 * thread and the API's queries on the other connections, and the dashboard's file reads, waited
 * for a free one (a `SELECT 1` 38 s behind four queued on one connection).
 */
function unchained(connection: ChdbConnection, turn: LimitFunction): ChdbConnection {
  const inline = <P extends ConnBaseQueryParams>(params: P): P => {
    const bound = params.query_params;
    if (!bound || Object.keys(bound).length === 0) return params;
    const query = inlineParams(params.query, bound);
    // Past the engine's default query size a statement takes the bound path (the engine parses
    // megabytes of literals far slower than it binds them: 100k ids took minutes).
    return Buffer.byteLength(query) <= INLINE_MAX_QUERY_BYTES ? { ...params, query, query_params: undefined } : params;
  };
  const query = connection.query.bind(connection), exec = connection.exec.bind(connection), command = connection.command.bind(connection), insert = connection.insert.bind(connection);
  return Object.assign(connection, {
    query: (p: Parameters<typeof query>[0]) => turn(() => query(inline(p))),
    exec: (p: Parameters<typeof exec>[0]) => turn(() => exec(inline(p))),
    command: (p: Parameters<typeof command>[0]) => turn(() => command(inline(p))),
    insert: (p: Parameters<typeof insert>[0]) => turn(() => insert(p)),
  });
}

/**
 * The engine's query priorities (1 the highest): while a query of a higher priority runs, those of
 * a lower one pause. The rounds (scorer, breakouts, forecaster) read for seconds at a time on a
 * machine whose cores they would otherwise take from the dashboard's reads:
 * a 30M-row read beside two looping rounds took 9.3-15.4 s at one priority, 3.8-7.7 s with them
 * below it (load average 20-33). The sink's writes take no part (`none`): the rounds pausing for
 * every write would leave the scorer behind a backfill, which writes without a break.
 */
export const QUERY_PRIORITY = { interactive: 1, rounds: 10, none: 0 } as const;

/** Database used on a ClickHouse server; the embedded engine keeps its own `default`. */
export const SERVER_DATABASE = 'trenddrop';

/** The engine's command-line form of EngineMemory. */
export function engineArgs(m: EngineMemory): string[] {
  const bytes = (mib: number) => String(mib * 2 ** 20);
  return [
    ...(m.limitMiB > 0 ? [`--max_server_memory_usage=${bytes(m.limitMiB)}`] : []),
    ...['mark_cache_size', 'primary_index_cache_size', 'index_mark_cache_size'].map((k) => `--${k}=${bytes(m.cacheMiB)}`),
  ];
}

/** `engineMemory` absent: the engine's own defaults (tests that open a store directly). */
export async function openClickHouse(config: Pick<Config, 'clickhouseUrl' | 'dataDir'> & Partial<Pick<Config, 'engineMemory'>>): Promise<ClickHouseStore> {
  if (config.clickhouseUrl) {
    const url = new URL(config.clickhouseUrl);
    const database = url.pathname.replace(/^\//, '') || SERVER_DATABASE;
    url.pathname = '/';
    const bootstrap = createClient({ url: url.toString(), request_timeout: 30_000 });
    try { await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` }); } finally { await bootstrap.close(); }
    const client = createClient({ url: url.toString(), database, request_timeout: 30_000, clickhouse_settings: { date_time_input_format: 'best_effort' } });
    return { kind: 'server', client, writer: client, rounds: client, cancelQueries: async () => {}, close: () => client.close() };
  }
  // chdb is loaded only when used: its native library is large and the server path never needs it.
  const { createChdbConnection } = await import('chdb/connection');
  const { Session } = await import('chdb');
  const path = join(config.dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  // The engine takes server settings only from the connection that starts it, and the client's
  // connections pass none: a bare session starts it with them and is held until close. (If this
  // process already runs the engine on the path, it keeps the settings it started with.)
  const engine = new Session(path, { connectionArgs: config.engineMemory ? engineArgs(config.engineMemory) : [] });
  // Connections on one path share the engine and its data; each runs its own queries.
  const connect = (priority: number) => {
    const turn = pLimit(1);
    const connection = unchained(createChdbConnection({ path }), turn);
    const client = createClient({ connection, clickhouse_settings: { priority: String(priority) } } as Parameters<typeof createClient>[0]);
    embedded.set(client, { connection, turn });
    return client;
  };
  const client = connect(QUERY_PRIORITY.interactive), writer = connect(QUERY_PRIORITY.none), rounds = connect(QUERY_PRIORITY.rounds);
  return {
    kind: 'chdb', client, writer, rounds,
    // A connection runs one query at a time, so the KILL goes through one of its own; the
    // engine (and system.processes) is the process's, shared by every connection on the path.
    async cancelQueries() {
      const killer = connect(QUERY_PRIORITY.interactive);
      try { await killer.command({ query: "KILL QUERY WHERE query NOT ILIKE 'KILL QUERY%' ASYNC" }); } finally { await killer.close(); }
    },
    // A query queued behind a connection's turn starts after a cancel (KILL stops the running ones
    // only): each connection's turn comes round before it closes, or the engine closed under a
    // query that started late (SIGSEGV at exit, with the landing overview computing at a stop).
    close: async () => {
      for (const c of [rounds, writer, client]) {
        await embedded.get(c)!.turn(async () => undefined);
        await c.close();
      }
      engine.close();
    },
  };
}

/**
 * Whether `statement` materializes a projection, index, column or TTL on a table that holds no
 * data part: it would only rewrite existing parts (parts written later get them on insert), yet
 * as a synchronous mutation it costs seconds each on a fresh data dir (13 s of a first start).
 */
async function nothingToMaterialize(ch: ClickHouseClient, statement: string): Promise<boolean> {
  const table = /^ALTER TABLE (\w+) MATERIALIZE (?:PROJECTION|INDEX|COLUMN|TTL)\b/i.exec(statement)?.[1];
  if (!table) return false;
  const rs = await ch.query({ query: 'SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active', query_params: { t: table }, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: number | string }>())[0].n) === 0;
}

/**
 * Applies each migration not yet recorded in schema_migrations, in order; returns how many ran.
 * A migration is known by its file name: two shipped files share version 6, so a data dir that
 * had applied one of them would, by version, never get the other.
 * Tables are named without a database: the client's default database holds them.
 */
export async function migrateClickHouse(ch: ClickHouseClient, logger: Logger): Promise<number> {
  await ch.command({ query: `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, appliedAt DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY version` });
  const rs = await ch.query({ query: 'SELECT name FROM schema_migrations', format: 'JSONEachRow' });
  const done = new Set((await rs.json<{ name: string }>()).map((r) => r.name));
  let applied = 0;
  for (const m of clickhouseMigrations()) {
    if (done.has(m.name)) continue;
    for (const statement of m.statements) {
      if (await nothingToMaterialize(ch, statement)) continue;
      await ch.command({ query: statement }).catch((err) => {
        throw new StoreError('clickhouse', `migration ${m.name} failed: ${(err as Error).message}`, err);
      });
    }
    await ch.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    logger.info({ migration: m.name }, 'applied ClickHouse migration');
    applied++;
  }
  return applied;
}

/**
 * Gives the events table the configured raw retention (schemas/clickhouse/retention.ts), when it
 * has another. Existing rows get it in the background; rollups are untouched.
 */
export async function applyRawRetention(ch: ClickHouseClient, days: number | null, logger: Logger): Promise<void> {
  const rs = await ch.query({ query: `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {t:String}`, query_params: { t: TABLES.events }, format: 'JSONEachRow' });
  const engine = (await rs.json<{ engine_full: string }>())[0]?.engine_full ?? '';
  const current = /\bTTL (.+?)(?: SETTINGS |$)/.exec(engine)?.[1]?.trim() ?? null;
  const wanted = rawRetentionTtl(days);
  if (current === wanted) return;
  await ch.command({ query: rawRetentionStatement(days) });
  logger.info({ rawRetentionDays: days, was: current }, days === null ? 'raw events kept for ever' : 'raw events retention set');
}
