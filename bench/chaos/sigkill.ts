// SIGKILL under load, then resend: clients post batches of events, several at a time, and the
// process is killed the moment a few batches are acknowledged while others are still in flight.
// After a restart, every acknowledged event must be counted from the bus log alone, before any
// resend; then the clients resend everything (the cut-off batches, and the acknowledged ones
// too, as a client unsure of its acks would) and every event must be counted exactly once.
import { rmSync } from 'node:fs';
import { sleep } from '../../core/retry.js';
import { tally, type ChaosContext, type ChaosReport, type ChaosScenario } from './scenario.js';
import { metricSum, postJson, productEvents, scratchDir, settledCounts, startTrendDrop } from './trenddrop-process.js';

const CLIENTS = 3;

async function run(ctx: ChaosContext): Promise<ChaosReport> {
  const t0 = Date.now();
  const products = ctx.quick ? 8 : 20, perProduct = ctx.quick ? 1000 : 2500, ackedBeforeKill = Math.ceil(products / 4);
  const now = Date.now();
  const batches = Array.from({ length: products }, (_, b) => productEvents('kill', `chaos-kill-${b}`, perProduct, now));
  const expected = new Map(batches.map((b) => [b[0].productId, perProduct]));
  const dir = scratchDir('sigkill');
  let td = await startTrendDrop({ dataDir: dir });
  try {
    ctx.onProgress(0.1, 'posting');
    const acked = new Set<number>();
    let next = 0, inFlight = 0, inFlightAtKill = -1;
    const client = async () => {
      while (inFlightAtKill < 0 && next < batches.length) {
        const b = next++;
        inFlight++;
        try {
          if ((await postJson(td.url, 'events', batches[b])).status === 202) acked.add(b);
        } catch { /* cut off by the kill: no answer */ } finally {
          inFlight--;
        }
        if (inFlightAtKill < 0 && acked.size >= ackedBeforeKill && inFlight > 0) {
          inFlightAtKill = inFlight;
          td.proc.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    await td.exited;
    ctx.onProgress(0.4, 'restart');
    td = await startTrendDrop({ dataDir: dir });
    // The acknowledged events come back from the bus log, with no help from the clients.
    const ackedExpected = new Map([...acked].map((b) => [batches[b][0].productId, perProduct]));
    const fromLog = tally(ackedExpected, await settledCounts(td.url, ackedExpected, 120_000));
    ctx.onProgress(0.6, 'resend');
    for (const batch of batches) {
      for (;;) {
        const r = await postJson(td.url, 'events', batch).catch(() => ({ status: 0 }));
        if (r.status === 202) break;
        await sleep(500);
      }
    }
    const after = tally(expected, await settledCounts(td.url, expected, 180_000));
    const dropped = await metricSum(td.url, 'trenddrop_events_duplicate_total');
    const sent = products * perProduct, ackedEvents = acked.size * perProduct;
    return {
      scenario: 'sigkill', fault: `SIGKILL with ${inFlightAtKill} requests in flight, then a restart and a resend of everything`,
      sent, acked: ackedEvents, ...after, seconds: Math.round((Date.now() - t0) / 1000),
      notes: [
        `${acked.size} of ${products} batches (${ackedEvents} events) acknowledged before the kill`,
        `from the bus log alone, before any resend: ${fromLog.stored} of ${ackedEvents} acknowledged events counted (${fromLog.lost} lost, ${fromLog.doubled} doubled)`,
        `after the resend: ${dropped} events dropped as already counted`,
      ],
      ok: after.lost === 0 && after.doubled === 0 && fromLog.lost === 0 && fromLog.doubled === 0 && inFlightAtKill > 0,
    };
  } finally {
    await td.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sigkill: ChaosScenario = { name: 'sigkill', run };
