// The forecasting engine's thread (started by forecast-thread.ts): a LocalForecastEngine answering
// the forecaster's calls one at a time, at a lower CPU priority than the process's other threads.
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { TrendDropError } from '../core/errors.js';
import { LocalForecastEngine } from './forecast-engine.js';
import type { EngineReply, EngineRequest } from './forecast-thread.js';

/**
 * Forecasts are background work (each product's is refreshed once an hour): where the two cores are
 * busy, the sink, the scorer, the API and ClickHouse's threads come first. Linux gives a thread its
 * own nice value (setpriority on its thread id); elsewhere the thread keeps the process's.
 */
function lowerPriority(): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // No /proc/thread-self (not Linux): the same priority as the rest of the process.
  }
}

const port = parentPort;
if (!port) throw new TrendDropError('not_a_worker', 'forecast-worker.ts runs as a worker thread (forecast-thread.ts starts it)');
lowerPriority();
const engine = new LocalForecastEngine();

async function answer(req: EngineRequest): Promise<EngineReply['value']> {
  switch (req.op) {
    case 'train': return engine.train(req.series);
    case 'compute': return engine.compute(req.jobs);
    case 'retain': return engine.retain(req.productIds);
  }
}

// One call at a time, in the order sent (a compute yields between products).
let queue: Promise<void> = Promise.resolve();
port.on('message', (req: EngineRequest) => {
  queue = queue.then(async () => {
    try {
      port.postMessage({ id: req.id, value: await answer(req) } satisfies EngineReply);
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err : new Error(String(err)) } satisfies EngineReply);
    }
  });
});
