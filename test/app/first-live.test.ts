// A first start with the simulator on: Postgres begins opening only once the first live tick is
// stored. PGlite opens on the event loop's thread in long stretches, and the first live update
// waited behind them when it began as the simulator started.
import { Writable } from 'node:stream';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../app/start-app.js';
import { loadConfig } from '../../core/config.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { tempDir } from '../helpers/app.js';

const dir = tempDir('first-live');
let app: App | undefined;
type History = { from: string; to: string; publishedUntil: string } | null | undefined;
type Agent = { history?: History; lastEventAt: string | null };
const agent = async () => (await app!.server.inject({ url: '/api/v1/agent' })).json<Agent>();
const history = async () => (await agent()).history;
/** The agent status as soon as the app is up: the history is written for seconds after. */
let atStart: Agent;
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('first start', () => {
  it('opens Postgres after the first live tick is stored', async () => {
    const lines: { time: string; msg: string; store?: string; ms?: number }[] = [];
    const capture = new Writable({ write(chunk, _enc, done) { for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l)); done(); } });
    const logger = pino({ level: 'info', timestamp: pino.stdTimeFunctions.isoTime }, capture);
    const config = loadConfig({ TRENDDROP_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', TRENDDROP_SIMULATOR: 'on' });
    app = await startApp(config, { roles: ['ingest', 'processors', 'api'], logger });
    atStart = await agent();

    // The store's log line gives when its opening began: its time less its duration.
    const opened = lines.find((l) => l.store === 'postgres' && l.msg === 'postgres open');
    expect(opened).toBeDefined();
    const began = Date.parse(opened!.time) - opened!.ms!;
    // Writers stamp each row with the time they wrote it.
    const rs = await app.runtime.clickhouse.client.query({ query: `SELECT toUnixTimestamp64Milli(min(ingestedAt)) AS at, count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
    const [{ at, n }] = await rs.json<{ at: string; n: string }>();
    expect(Number(n)).toBeGreaterThan(0);
    expect(Number(at)).toBeLessThanOrEqual(began);
  }, 180_000);

  it('tells the agent status that the history is being written until the sink has stored all of it', async () => {
    expect(atStart.history).toBeTruthy();
    const { from, to, publishedUntil } = atStart.history!;
    expect(Date.parse(to) - Date.parse(from)).toBe(8 * 86_400_000);
    expect(Date.parse(publishedUntil)).toBeGreaterThanOrEqual(Date.parse(from));
    expect(Date.parse(publishedUntil)).toBeLessThanOrEqual(Date.parse(to));
    // The first live tick is published before the app is up, so while the history is written
    // beside the live ticks the agent's last event stays live, never the history's latest.
    const lastEvents: number[] = [];
    for (let a = atStart; a.history; a = await agent()) {
      lastEvents.push(Date.parse(a.lastEventAt!));
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(lastEvents.length).toBeGreaterThan(1);
    expect(Math.min(...lastEvents)).toBeGreaterThanOrEqual(Date.parse(to));
    // Cleared only once stored: every whole hour of the eight days holds events by then. The
    // history starts and ends at the start's second, so the slivers of hour at its two ends may
    // hold no event (CI once found 192 of 193 hours touched): they are not counted.
    const HOUR = 3_600_000;
    const first = Math.ceil(Date.parse(from) / HOUR) * HOUR, last = Math.floor(Date.parse(to) / HOUR) * HOUR;
    const rs = await app!.runtime.clickhouse.client.query({
      query: `SELECT uniqExact(toStartOfHour(ts)) AS hours FROM ${TABLES.events} WHERE ts >= fromUnixTimestamp64Milli({first:Int64}) AND ts < fromUnixTimestamp64Milli({last:Int64})`,
      query_params: { first, last }, format: 'JSONEachRow',
    });
    expect(Number((await rs.json<{ hours: string }>())[0].hours)).toBe((last - first) / HOUR);
  }, 300_000);
});
