// Opening the stores: while one is still being connected to, `ready` shows its last error, not
// just "starting"; when it never answers, start-up fails with it.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { Readiness } from '../../core/readiness.js';
import { openRuntime, openStores } from '../../core/runtime.js';
import { eventually, freePort, tempDir } from '../helpers/app.js';

describe('openRuntime', () => {
  it('shows the error of a store it keeps retrying at boot', async () => {
    const port = await freePort(); // nothing listens there
    const config = loadConfig({ TRENDDROP_DATA_DIR: tempDir('runtime'), DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/none` });
    const readiness = new Readiness();
    const opening = openRuntime(config, { logger: createLogger('silent'), readiness, attempts: 4 });
    opening.catch(() => undefined);
    const starting = await eventually(async () => {
      const c = readiness.components.get('postgres');
      return c?.state === 'starting' && c.detail ? c : undefined;
    }, 20_000, 'the postgres error in ready');
    expect(starting.detail).toMatch(new RegExp(`^attempt \\d failed, retrying in \\d+ ms: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    await expect(opening).rejects.toThrow(/ECONNREFUSED/);
    expect(readiness.components.get('postgres')).toMatchObject({ state: 'down', detail: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('opens ClickHouse and the bus without Postgres, which it opens on complete()', async () => {
    const port = await freePort(); // nothing listens there
    const config = loadConfig({ TRENDDROP_DATA_DIR: tempDir('runtime-early'), DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/none` });
    const readiness = new Readiness();
    const stores = openStores(config, { logger: createLogger('silent'), readiness, attempts: 2 });
    // The live path's stores are up and usable while Postgres has not even been tried.
    const early = await stores.early;
    const rs = await early.clickhouse.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' });
    expect(Number((await rs.json<{ n: string }>())[0].n)).toBe(0);
    expect(readiness.components.get('clickhouse')?.state).toBe('up');
    expect(readiness.components.get('bus')?.state).toBe('up');
    expect(readiness.components.get('postgres')).toMatchObject({ state: 'starting' });
    expect(readiness.components.get('postgres')?.detail).toBeFalsy();
    // Then Postgres fails to open: the whole runtime fails with it.
    await expect(stores.complete()).rejects.toThrow(/ECONNREFUSED/);
    expect(readiness.components.get('postgres')?.state).toBe('down');
  });
});
