// The Kafka broker restarted under load, on a private broker of the scenario's own (other ports,
// wiped after: the broker at KAFKA_BROKERS, if any, is never touched). An outside producer fills
// the engagement topic; while TrendDrop consumes the backlog the broker is stopped and started
// again; more events follow. Every acknowledged produce must be counted exactly once.
import { execFile, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { sleep } from '../../core/retry.js';
import { openProducer } from './kafka.js';
import { skipped, tally, type ChaosContext, type ChaosReport, type ChaosScenario } from './scenario.js';
import { freePort, getJson, metricSum, productEvents, ROOT, scratchDir, settledCounts, startTrendDrop } from './trenddrop-process.js';

const run_ = promisify(execFile);
const FAULT = 'the Kafka broker stopped and started again while a backlog was being consumed';

async function run(ctx: ChaosContext): Promise<ChaosReport> {
  for (const tool of ['java', 'mvn']) {
    if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0) return skipped('broker-restart', FAULT, `needs ${tool} to run a private broker (scripts/kafka-up.sh)`);
  }
  const t0 = Date.now();
  const port = await freePort(), cport = await freePort();
  const script = (name: 'up' | 'down', env: Record<string, string> = {}) =>
    run_('bash', [`scripts/kafka-${name}.sh`], { cwd: ROOT, env: { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(cport), ...env } });
  const brokers = [`127.0.0.1:${port}`];
  const prefix = `chaos-${Date.now().toString(36)}.`;
  const products = ctx.quick ? 6 : 12, perRound = ctx.quick ? 1500 : 4000;
  const now = Date.now();
  const round = (tag: string) => Array.from({ length: products }, (_, p) => productEvents(tag, `chaos-broker-${p}`, perRound, now)).flat();
  const first = round('r1'), second = round('r2');
  const expected = new Map(Array.from({ length: products }, (_, p) => [`chaos-broker-${p}`, 2 * perRound]));
  const dir = scratchDir('broker');
  ctx.onProgress(0, 'private broker');
  await script('up');
  let td = null;
  try {
    td = await startTrendDrop({ dataDir: dir, env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix } });
    const topic = `${prefix}engagement.v1`;
    let acked = 0;
    const producer = await openProducer(brokers);
    await producer.send(topic, first.map((e) => ({ key: e.productId, value: e })));
    acked += first.length;
    await producer.close();
    // Restart once the sink is part-way through the backlog.
    while ((await metricSum(td.url, 'trenddrop_events_stored_total')) === 0) await sleep(100);
    const storedAtStop = await metricSum(td.url, 'trenddrop_events_stored_total');
    ctx.onProgress(0.3, 'broker restart');
    await script('down');
    let sawDown = false;
    for (let i = 0; i < 60 && !sawDown; i++) { sawDown = (await getJson(td.url, 'ready')).body?.components?.bus?.state === 'down'; if (!sawDown) await sleep(500); }
    await script('up');
    ctx.onProgress(0.5, 'second round');
    const again = await openProducer(brokers);
    await again.send(topic, second.map((e) => ({ key: e.productId, value: e })));
    acked += second.length;
    await again.close();
    const counts = tally(expected, await settledCounts(td.url, expected, 180_000));
    return {
      scenario: 'broker-restart', fault: FAULT, sent: first.length + second.length, acked, ...counts, seconds: Math.round((Date.now() - t0) / 1000),
      notes: [
        `broker stopped with ${storedAtStop} of ${first.length} first-round events stored; ready reported the bus down: ${sawDown ? 'yes' : 'no'}`,
        `${await metricSum(td.url, 'trenddrop_events_duplicate_total')} redelivered events dropped as already counted`,
      ],
      ok: counts.lost === 0 && counts.doubled === 0,
    };
  } finally {
    await td?.stop();
    await script('down', { KAFKA_WIPE: '1' }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const brokerRestart: ChaosScenario = { name: 'broker-restart', run };
