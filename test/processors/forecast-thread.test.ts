// The forecasting engine on its own thread answers as the engine on the calling thread does: the
// same forecasts, warm starts kept between calls in the thread, the same training; an error in a
// call fails that call alone, and a thread that stopped is started again at the next call.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { ForecastEngineClosedError, LocalForecastEngine, type ForecastJob } from '../../processors/forecast-engine.js';
import { ForecastThreadError, ThreadForecastEngine } from '../../processors/forecast-thread.js';
import { normals } from '../helpers/series.js';

const H = 3_600_000;
const z = normals(11);
/** Four weeks of an hourly series with a daily cycle, a slow trend and noise, at its own size. */
const hourly = (size: number) => Array.from({ length: 28 * 24 }, (_, t) => Math.max(0, Math.round(size * (1 + 0.4 * Math.sin((2 * Math.PI * t) / 24) + t / 2000 + 0.1 * z()))));
const jobs = (ids: string[], keep = true): ForecastJob[] =>
  ids.map((productId, i) => { const values = hourly(100 * (i + 1)); return { productId, metric: 'views', series: { info: { step: 'hour', anchor: 0 }, start: 0, end: values.length * H, values }, now: 1, keep }; });

/** The nice value of each of this process's threads (Linux). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis; nice is the 19th field of the line.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

const thread = new ThreadForecastEngine(createLogger('silent'));
afterAll(() => thread.close());

describe('forecast thread', () => {
  const batch = jobs(['a', 'b', 'c']);

  it('computes the forecasts the calling thread does, keeps each product\'s warm start in the thread, and forgets those of products no longer active', async () => {
    const local = new LocalForecastEngine();
    const [here, there] = [await local.compute(batch), await thread.compute(batch)];
    expect(there.map((o) => o.forecast)).toEqual(here.map((o) => o.forecast));
    expect(there.every((o) => o.forecast !== null && !o.warmStarted && o.ms > 0)).toBe(true);

    // The next refresh starts from the fits the first kept, there as here.
    const [again, againThere] = [await local.compute(batch), await thread.compute(batch)];
    expect(againThere.map((o) => o.warmStarted)).toEqual([true, true, true]);
    expect(againThere.map((o) => o.forecast)).toEqual(again.map((o) => o.forecast));

    // An on-demand forecast keeps nothing; retain drops the products not named.
    expect((await thread.compute(jobs(['d'], false)))[0].warmStarted).toBe(false);
    expect((await thread.compute(jobs(['d'])))[0].warmStarted).toBe(false);
    await thread.retain(['a']);
    expect((await thread.compute(batch)).map((o) => o.warmStarted)).toEqual([true, false, false]);
  });

  it.runIf(process.platform === 'linux')('runs below the process\'s priority, so that the pipeline and the API come first on a busy machine', async () => {
    await thread.compute(jobs(['p']));
    expect(threadNices()).toContain(10);
  });

  it('trains the global MLP as the calling thread does, and offers it among the hourly candidates from then on', async () => {
    const series = Array.from({ length: 30 }, (_, i) => hourly(50 * (i + 1)).slice(0, 20 * 24));
    const local = new LocalForecastEngine();
    const [here, there] = [await local.train(series), await thread.train(series)];
    expect(here.trained).toBe(true);
    expect(there).toMatchObject({ trained: here.trained, model: here.model, lags: here.lags, stats: here.stats });
    expect(thread.modelNames('hour')).toEqual(local.modelNames('hour'));
    expect(thread.modelNames('day')).toEqual(local.modelNames('day'));
    expect(thread.modelNames('hour')).toContain('mlp-global');
    await local.close();
  });

  it('fails only the call whose work threw, and starts a thread again after one stopped, without its warm starts or MLP', async () => {
    const broken = [{ ...batch[0], series: { ...batch[0].series, info: { step: 'no-such-step' } } }] as unknown as ForecastJob[];
    await expect(thread.compute(broken)).rejects.toThrow();
    expect((await thread.compute(batch)).every((o) => o.forecast !== null)).toBe(true);

    // The thread ends with a call in flight: the call fails with a typed error, the next one gets a new thread.
    const inFlight = expect(thread.compute(jobs(['x', 'y', 'z', 'w']))).rejects.toThrow(ForecastThreadError);
    const epoch = thread.epoch;
    await (Reflect.get(thread, 'worker') as { terminate(): Promise<number> }).terminate();
    await inFlight;
    expect(thread.epoch).toBe(epoch + 1);
    expect(thread.modelNames('hour')).not.toContain('mlp-global');
    expect((await thread.compute(batch)).map((o) => o.warmStarted)).toEqual([false, false, false]);
  });

  it('once closed, on either thread, fails the call in flight at once and every call after it, and starts no thread again', async () => {
    for (const engine of [new ThreadForecastEngine(createLogger('silent')), new LocalForecastEngine()]) {
      await engine.compute(jobs(['warm-up']));
      const inFlight = expect(engine.compute(jobs(Array.from({ length: 50 }, (_, i) => `p${i}`)))).rejects.toThrow(ForecastEngineClosedError);
      const started = performance.now();
      await engine.close();
      await inFlight;
      // Fifty forecasts take over a second: the call ended well before.
      expect(performance.now() - started).toBeLessThan(500);
      await expect(engine.compute(batch)).rejects.toThrow(ForecastEngineClosedError);
      await expect(engine.retain([])).rejects.toThrow(ForecastEngineClosedError);
    }
  });
});
