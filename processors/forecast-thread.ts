// The forecasting engine on a worker thread of its own, behind the same ForecastEngine as on the
// calling thread: a forecast is tens of milliseconds of CPU, and at 100k products an hourly
// refresh is more than a core's hour, which on the main thread delayed every read, write and
// WebSocket message by a forecast at a time. The thread keeps the warm starts and the MLP.
import { Worker } from 'node:worker_threads';
import type { Step } from '../analytics/granularity.js';
import { TrendDropError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ForecastEngineClosedError, modelNames, type ForecastEngine, type ForecastJob, type ForecastOutcome, type TrainOutcome } from './forecast-engine.js';

export type EngineRequest =
  | { id: number; op: 'train'; series: number[][] }
  | { id: number; op: 'compute'; jobs: ForecastJob[] }
  | { id: number; op: 'retain'; productIds: readonly string[] };

export type EngineReply = { id: number; value: TrainOutcome | ForecastOutcome[] | void; error?: undefined } | { id: number; error: Error; value?: undefined };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The engine's thread stopped (an error it did not catch, or it ran out of memory) with calls unanswered. */
export class ForecastThreadError extends TrendDropError {
  constructor(reason: string, cause?: unknown) {
    super('forecast_thread_failed', `forecast thread: ${reason}`, {}, { cause });
  }
}

export class ThreadForecastEngine implements ForecastEngine {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: EngineReply['value']) => void; reject: (e: Error) => void }>();
  /** The MLP the thread uses, as its last training said; none in a thread started again. */
  private neural: string | null = null;
  private closed = false;
  epoch = 0;

  constructor(private readonly logger: Logger) {}

  modelNames(step: Step): string[] {
    return modelNames(step, this.neural);
  }

  async train(series: number[][]): Promise<TrainOutcome> {
    const outcome = (await this.call({ op: 'train', series })) as TrainOutcome;
    this.neural = outcome.model;
    return outcome;
  }

  async compute(jobs: ForecastJob[]): Promise<ForecastOutcome[]> {
    return (await this.call({ op: 'compute', jobs })) as ForecastOutcome[];
  }

  async retain(productIds: readonly string[]): Promise<void> {
    await this.call({ op: 'retain', productIds });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    this.rejectPending(new ForecastEngineClosedError());
    await w?.terminate();
  }

  private rejectPending(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Started on the first call, and again on the call after it stopped (its warm starts and MLP gone with it). */
  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./forecast-worker-boot.mjs', import.meta.url));
    // Idle, it does not keep the process alive (a call in flight does, below); close() ends it at a stop.
    w.unref();
    const fail = (err: Error) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.neural = null;
      this.epoch++;
      this.rejectPending(err);
    };
    w.on('message', (reply: EngineReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (!this.pending.size) w.unref();
      if (reply.error) p.reject(reply.error);
      else p.resolve(reply.value);
    });
    w.on('error', (err) => {
      this.logger.error({ err }, 'forecast thread failed: started again at the next call');
      fail(new ForecastThreadError(err.message, err));
    });
    w.on('exit', (code) => fail(new ForecastThreadError(`exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  private call(req: DistributiveOmit<EngineRequest, 'id'>): Promise<EngineReply['value']> {
    if (this.closed) return Promise.reject(new ForecastEngineClosedError());
    const id = this.nextId++;
    const w = this.thread();
    if (!this.pending.size) w.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...req, id });
    });
  }
}
