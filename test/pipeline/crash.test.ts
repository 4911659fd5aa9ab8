// A crash loses nothing and counts nothing twice: events are accepted (202), the process is
// killed with SIGKILL while the sink is still writing them, and after a restart every event is
// counted exactly once, including a resend of the whole set.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, freePort, get, levelSums, makeEvents, post, tempDir } from '../helpers/app.js';


const dir = tempDir('crash');
let child: ChildProcess | null = null;

async function start(port: number): Promise<string> {
  child = spawn(process.execPath, ['bin/trenddrop.mjs', 'start'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off', LOG_LEVEL: 'warn', KAFKA_BROKERS: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => ((await get(url, 'health')).status === 200 ? true : undefined), 120_000, 'health');
  return url;
}

afterAll(() => { child?.kill('SIGKILL'); });

describe('crash safety', () => {
  it('counts every accepted event exactly once after a SIGKILL mid-write', async () => {
    const port = await freePort();
    let url = await start(port);
    const batches = Array.from({ length: 10 }, (_, b) => makeEvents('p-crash', 2000, Date.now() - 140 * 60_000 + b * 800_000, 400).map((e, i) => ({ ...e, eventId: `crash-${b}-${i}` })));
    for (const batch of batches) expect((await post(url, 'events', batch)).status).toBe(202);
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const expected = batches.flat().reduce((a, e) => a + e.views, 0);

    url = await start(port);
    // Every rollup level: a view write the kill cut short shows in one of them only.
    const exact = { '1m': expected, '1h': expected, '1d': expected };
    let seen = {};
    await eventually(async () => (JSON.stringify(seen = await levelSums(url, 'p-crash')) === JSON.stringify(exact) ? true : undefined), 60_000, 'exact count after restart')
      .catch((err: Error) => { throw new Error(`${err.message} (expected ${expected} at each level, last saw ${JSON.stringify(seen)})`); });
    for (const batch of batches) await post(url, 'events', batch);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await levelSums(url, 'p-crash')).toEqual(exact);
    child!.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }, 300_000);
});
