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
});
