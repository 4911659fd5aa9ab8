// The distributed form under test: a real Kafka broker (KAFKA_BROKERS), a fresh database on the
// Postgres server, and TrendDrop processes spawned from the CLI. Each test file uses a topic
// prefix of its own (so parallel runs never meet) and deletes its topics and groups afterwards,
// so the broker's restarts stay fast.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { freePort, get, makeEvents, seriesSum } from './app.js';
import { createTestDatabase } from './postgres.js';
import { dropPrefix } from '../../bench/chaos/kafka.js';

// The outside producer and the topic clean-up are the chaos bench's: one Kafka client for both.
export { dropPrefix, openProducer } from '../../bench/chaos/kafka.js';

/**
 * The brokers from KAFKA_BROKERS, or null after saying why the file is skipped. In CI (CI set)
 * a missing broker is a failure, not a skip.
 */
export function kafkaOrSkip(file: string): string[] | null {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (brokers.length > 0) return brokers;
  const how = `\`npm test -- ${file}\` starts a broker when Java and Maven are present; or point KAFKA_BROKERS at one.`;
  if (process.env.CI) throw new Error(`[${file}] KAFKA_BROKERS is not set, and in CI (CI is set) the Kafka tests must run. ${how}`);
  console.warn(`[${file}] KAFKA_BROKERS is not set: skipping. ${how}`);
  return null;
}

export const uniquePrefix = (name: string) => `test.${name}.${Date.now().toString(36)}.${randomUUID().slice(0, 6)}.`;

const client = (brokers: string[]) => new Kafka({ clientId: 'trenddrop-test-client', brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, maxRetryTime: 3000 } });

/** Creates the topics (4 partitions, as TrendDrop's default) before anything consumes them, so a backlog can wait. */
export async function createTopics(brokers: string[], topics: string[], partitions = 4): Promise<void> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })) });
  } finally {
    await admin.disconnect();
  }
}

/** Members of a consumer group and how many partitions each holds. */
export async function groupMembers(brokers: string[], groupId: string): Promise<{ clientHost: string; partitions: number }[]> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((m) => {
      const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      return { clientHost: m.clientHost, partitions: Object.values(a?.assignment ?? {}).reduce((n, ps) => n + ps.length, 0) };
    });
  } finally {
    await admin.disconnect();
  }
}

/** Reads a group's committed offsets on one connection, cheap enough to poll in a tight loop. */
export async function offsetReader(brokers: string[]) {
  const admin = client(brokers).admin();
  await admin.connect();
  return {
    /** Offsets the group committed on the topic, summed over partitions: the messages it is done with. */
    async committed(groupId: string, topic: string): Promise<number> {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    },
    /** Moves the group back to the topic's start, as if it had never committed; the broker refuses while the group has live members. */
    async rewind(groupId: string, topic: string): Promise<void> {
      await admin.resetOffsets({ groupId, topic, earliest: true });
    },
    close: () => admin.disconnect(),
  };
}

export interface Child {
  url: string;
  proc: ChildProcess;
  /** Everything the process logged (pino JSON lines on stdout). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `node bin/trenddrop.cjs <args>` on its own port and data dir; resolves once it listens. */
export async function spawnTrendDrop(args: string[], env: Record<string, string>, o: { waitFor?: 'health' | 'listening' } = {}): Promise<Child> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const proc = spawn(process.execPath, ['bin/trenddrop.cjs', ...args], {
    env: { ...process.env, HOST: '127.0.0.1', TRENDDROP_SIMULATOR: 'off', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const wanted = o.waitFor ?? 'health';
  const until = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`trenddrop ${args.join(' ')} exited with ${proc.exitCode}:\n${out.slice(-3000)}`);
    // `listening`: any answer at all, since health is 503 until the stores are up.
    const status = await get(url, 'health').then((r) => r.status, () => 0);
    if (wanted === 'health' ? status === 200 : status > 0) break;
    if (Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`trenddrop ${args.join(' ')} not ${wanted} after 120 s:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, proc,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** A Prometheus counter or gauge from /metrics (0 when absent). */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Per product: events, and views at each rollup level (a lost view write shows in one level only). */
export type Counts = Map<string, { events: number; views: number; viewsHourly: number; viewsDaily: number }>;

/** Events and views per product, as a process's API reads them from its own ClickHouse. */
export async function productCounts(url: string, ids: string[]): Promise<Counts> {
  const rows = await Promise.all(ids.map(async (id) => {
    const [events, views, viewsHourly, viewsDaily] = await Promise.all([seriesSum(url, id, 'events'), seriesSum(url, id), seriesSum(url, id, 'views', '1h'), seriesSum(url, id, 'views', '1d')]);
    return [id, { events, views, viewsHourly, viewsDaily }] as const;
  }));
  return new Map(rows);
}

/** Whether every count has reached what is expected (so a wait can stop and compare exactly). */
export function reached(got: Counts, expected: Counts): boolean {
  return [...expected].every(([id, want]) => {
    const have = got.get(id);
    return !!have && (Object.keys(want) as (keyof typeof want)[]).every((k) => have[k] >= want[k]);
  });
}

/** What a set of events should count to, per product. */
export function expectedCounts(events: { productId: string; views: number }[]): Counts {
  const m: Counts = new Map();
  for (const e of events) {
    const c = m.get(e.productId) ?? { events: 0, views: 0, viewsHourly: 0, viewsDaily: 0 };
    c.events++;
    c.views += e.views;
    c.viewsHourly += e.views;
    c.viewsDaily += e.views;
    m.set(e.productId, c);
  }
  return m;
}

/** `per` events for each of `products` products within the last two hours, event ids unique per `tag`. */
export function backlog(tag: string, products: number, per: number) {
  const from = Date.now() - 2 * 3600e3;
  return Array.from({ length: products }, (_, p) => makeEvents(`p-${tag}-${p}`, per, from, Math.floor(6600e3 / per)).map((e, i) => ({ ...e, eventId: `${tag}-${p}-${i}` }))).flat();
}

export function sumCounts(...all: Counts[]): Counts {
  const out: Counts = new Map();
  for (const c of all) {
    for (const [id, v] of c) {
      const o = out.get(id) ?? { events: 0, views: 0, viewsHourly: 0, viewsDaily: 0 };
      out.set(id, { events: o.events + v.events, views: o.views + v.views, viewsHourly: o.viewsHourly + v.viewsHourly, viewsDaily: o.viewsDaily + v.viewsDaily });
    }
  }
  return out;
}

/**
 * What a test file of the distributed form needs: a fresh database, TrendDrop processes started
 * on it with a topic prefix of their own, and cleanup of all of it (processes, database, topics).
 */
export function distributed(brokers: string[]) {
  const prefixes: string[] = [];
  const children: Child[] = [];
  let db: { url: string; drop(): Promise<void> } | null = null;
  return {
    async setup() { db = await createTestDatabase(); },
    async teardown() {
      await Promise.allSettled(children.map((c) => c.stop('SIGKILL')));
      await db?.drop();
      for (const p of prefixes) await dropPrefix(brokers, p);
    },
    prefix(name: string) { const p = uniquePrefix(name); prefixes.push(p); return p; },
    /** `trenddrop start --roles processors,api` (the api role reads counts back) unless told otherwise. */
    async start(prefix: string, dir: string, o: { env?: Record<string, string>; roles?: string; waitFor?: 'health' | 'listening' } = {}) {
      const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, DATABASE_URL: db!.url, TRENDDROP_DATA_DIR: dir, TRENDDROP_KAFKA_SESSION_TIMEOUT_MS: '6000', ...o.env };
      const c = await spawnTrendDrop(['start', '--roles', o.roles ?? 'processors,api'], env, { waitFor: o.waitFor });
      children.push(c);
      return c;
    },
  };
}
