// A crash loses nothing and counts nothing twice. Clients post batches of events, several at a
// time; the process is SIGKILLed the moment a few have been acknowledged (202) while others are
// still in flight and the sink is still writing. After a restart the bus log is replayed: every
// acknowledged event is counted exactly once at every rollup level, and so is everything after
// the clients resend what was cut off (and, for good measure, what was acknowledged too).
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { counterValue, drained, eventually, freePort, get, levelSums, makeEvents, post, startTestApp, tempDir, type TestApp } from '../helpers/app.js';

const dir = tempDir('crash');
let child: ChildProcess | null = null;
let restarted: TestApp | null = null;

/** TrendDrop as users run it (`trenddrop start`), in a process of its own that can be killed. */
async function start(port: number): Promise<string> {
  child = spawn(process.execPath, ['bin/trenddrop.cjs', 'start'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off', LOG_LEVEL: 'warn', KAFKA_BROKERS: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => ((await get(url, 'health')).status === 200 ? true : undefined), 120_000, 'health');
  return url;
}

afterAll(async () => {
  child?.kill('SIGKILL');
  await restarted?.stop();
});

/** One product per batch, so each batch's count can be checked on its own. */
const BATCHES = 10, SIZE = 2000, CLIENTS = 3, ACKED_BEFORE_KILL = 3;
const batches = Array.from({ length: BATCHES }, (_, b) => makeEvents(`p-crash-${b}`, SIZE, Date.now() - 140 * 60_000 + b * 800_000, 400));
const viewsOf = (b: number) => batches[b].reduce((a, e) => a + e.views, 0);
const exactly = (views: number) => ({ '1m': views, '1h': views, '1d': views });

describe('crash safety', () => {
  it('counts every accepted event exactly once after a SIGKILL with requests in flight', async () => {
    const url = await start(await freePort());
    const exited = new Promise((r) => child!.once('exit', r));

    // CLIENTS concurrent clients post the batches in turn; the kill comes right after an
    // acknowledgement, once enough have come back, while at least one other request is open.
    const acked = new Set<number>();
    let next = 0, inFlight = 0, inFlightAtKill = -1;
    const client = async () => {
      while (inFlightAtKill < 0 && next < BATCHES) {
        const b = next++;
        inFlight++;
        try {
          if ((await post(url, 'events', batches[b])).status === 202) acked.add(b);
        } catch {
          // Cut off by the kill: no answer, so the client will send it again.
        } finally {
          inFlight--;
        }
        if (inFlightAtKill < 0 && acked.size >= ACKED_BEFORE_KILL && inFlight > 0) {
          inFlightAtKill = inFlight;
          child!.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    await exited;
    expect(inFlightAtKill, 'the kill came while requests were in flight').toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(BATCHES);

    restarted = await startTestApp(dir);
    const { runtime } = restarted.app;
    await drained(runtime);
    // The restarted sink was handed again what the killed one had not committed: it stored it,
    // or found it already stored (written just before the kill) and counted it a duplicate.
    const replayed = (await counterValue(runtime.metrics.stored)) + (await counterValue(runtime.metrics.duplicates));
    expect(replayed, 'events redelivered from the bus log after the kill').toBeGreaterThan(0);
    // Every acknowledged batch in full at every level (a view write the kill cut short would
    // show in one level only); of a batch whose answer never came, the log may hold some or all.
    for (let b = 0; b < BATCHES; b++) {
      const sums = await levelSums(restarted.url, `p-crash-${b}`);
      if (acked.has(b)) expect(sums, `acknowledged batch ${b}`).toEqual(exactly(viewsOf(b)));
      else {
        expect(sums, `unacknowledged batch ${b}: the levels agree`).toEqual(exactly(sums['1m']));
        expect(sums['1m']).toBeLessThanOrEqual(viewsOf(b));
      }
    }

    // The clients resend every batch; each event goes through the sink once more and is counted once.
    const before = (await counterValue(runtime.metrics.stored)) + (await counterValue(runtime.metrics.duplicates));
    for (const batch of batches) expect((await post(restarted.url, 'events', batch)).body).toEqual({ accepted: SIZE, rejected: [] });
    await drained(runtime);
    const after = (await counterValue(runtime.metrics.stored)) + (await counterValue(runtime.metrics.duplicates));
    expect(after - before).toBe(BATCHES * SIZE);
    for (let b = 0; b < BATCHES; b++) expect(await levelSums(restarted.url, `p-crash-${b}`), `batch ${b}`).toEqual(exactly(viewsOf(b)));
  }, 300_000);
});
