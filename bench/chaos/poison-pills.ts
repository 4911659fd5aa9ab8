// Poison pills among valid events: batches in which valid events sit beside everything a store
// cannot hold or a parser chokes on (times before 1970 or past 2100, year 0, lone UTF-16
// surrogates, NUL and control characters, numbers out of range, wrong types, broken NDJSON
// lines), sent twice. Over HTTP each bad item is refused by index and field and the valid ones
// are counted exactly once; with KAFKA_BROKERS set, the same mix produced straight into the
// engagement topic by an outside client goes to the dead-letter topic, while the partition
// keeps moving and the valid events behind each bad one are counted.
import { rmSync } from 'node:fs';
import { dropPrefix, openProducer } from './kafka.js';
import { tally, type ChaosContext, type ChaosReport, type ChaosScenario } from './scenario.js';
import { metricSum, postJson, productEvents, scratchDir, settledCounts, startTrendDrop, type TrendDropProcess } from './trenddrop-process.js';

/** Ways an event can be poison, each a change to a valid one; `raw` is sent as text. */
const PILLS: { name: string; patch?: Record<string, unknown>; raw?: string }[] = [
  { name: 'before 1970', patch: { ts: '1969-07-20T20:17:40Z' } },
  { name: 'an instant before 1970 written as 1970', patch: { ts: '1970-01-01T00:30:00+01:00' } },
  { name: 'year 0', patch: { ts: '0000-01-01T00:00:00Z' } },
  { name: 'past 2286', patch: { ts: '2286-11-21T00:00:00Z' } },
  { name: 'lone surrogate in eventId', patch: { eventId: 'pill-\ud800' } },
  { name: 'lone surrogate in productId', patch: { productId: 'chaos-pill-\udc00' } },
  { name: 'NUL in productId', patch: { productId: 'chaos-pill\u0000' } },
  { name: 'control character in videoId', patch: { videoId: 'v\u0007' } },
  { name: 'negative count', patch: { views: -5 } },
  { name: 'count beyond its bound', patch: { views: 1e12 } },
  { name: 'fractional count', patch: { likes: 1.5 } },
  { name: 'count as text', patch: { views: '12' } },
  { name: 'unknown region', patch: { region: 'QQ' } },
  { name: 'unknown field', patch: { extra: true } },
  { name: 'a 10,000-character id', patch: { eventId: 'x'.repeat(10_000) } },
  { name: 'not an object', raw: '42' },
  { name: 'not JSON', raw: '{"eventId": "broken", ' },
];

const PRODUCTS = 6;

/** Valid events with a pill after every few; returns the items and which are valid. */
function mix(tag: string, perProduct: number, now: number): { items: { value: unknown; raw?: string }[]; valid: Map<string, number>; pills: number } {
  const valid = new Map<string, number>();
  const items: { value: unknown; raw?: string }[] = [];
  let pills = 0;
  for (let p = 0; p < PRODUCTS; p++) {
    const events = productEvents(tag, `chaos-pill-${p}`, perProduct, now);
    valid.set(`chaos-pill-${p}`, events.length);
    events.forEach((e, i) => {
      items.push({ value: e });
      if (i % 25 === 0) {
        const pill = PILLS[(i / 25 + p) % PILLS.length];
        items.push(pill.raw !== undefined ? { value: null, raw: pill.raw } : { value: { ...e, eventId: `${e.eventId}-pill`, ...pill.patch } });
        pills++;
      }
    });
  }
  return { items, valid, pills };
}

async function overHttp(ctx: ChaosContext, td: TrendDropProcess) {
  const perProduct = ctx.quick ? 300 : 1000;
  const { items, valid, pills } = mix('http', perProduct, Date.now());
  // As NDJSON, so a broken line can sit among the others; twice, as a client unsure of its acks.
  const body = items.map((it) => it.raw ?? JSON.stringify(it.value)).join('\n');
  let accepted = 0, rejected = 0;
  for (let i = 0; i < 2; i++) {
    const r = await postJson(td.url, 'events', body, 'application/x-ndjson');
    if (r.status === 202) { accepted = r.body.accepted; rejected = new Set((r.body.rejected as { index: number }[]).map((x) => x.index)).size; }
  }
  const counts = tally(valid, await settledCounts(td.url, valid, 120_000));
  return { sent: items.length, valid: [...valid.values()].reduce((a, b) => a + b, 0), pills, accepted, rejected, ...counts };
}

async function overKafka(ctx: ChaosContext, brokers: string[]) {
  const prefix = `chaos-${Date.now().toString(36)}.`;
  const dir = scratchDir('pill-kafka');
  const td = await startTrendDrop({ dataDir: dir, env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix } });
  try {
    const { items, valid, pills } = mix('kafka', ctx.quick ? 300 : 1000, Date.now());
    const producer = await openProducer(brokers);
    await producer.send(`${prefix}engagement.v1`, items.map((it) => ({ key: (it.value as { productId?: string } | null)?.productId ?? 'chaos-pill-0', value: it.raw ?? it.value })));
    await producer.close();
    const counts = tally(valid, await settledCounts(td.url, valid, 120_000));
    let deadLetters = 0;
    for (let i = 0; i < 120 && (deadLetters = await metricSum(td.url, 'trenddrop_dead_letter_total')) < pills; i++) await new Promise((r) => setTimeout(r, 500));
    return { sent: items.length, valid: [...valid.values()].reduce((a, b) => a + b, 0), pills, deadLetters, ...counts };
  } finally {
    await td.stop();
    rmSync(dir, { recursive: true, force: true });
    await dropPrefix(brokers, prefix).catch(() => undefined);
  }
}

async function run(ctx: ChaosContext): Promise<ChaosReport> {
  const t0 = Date.now();
  const dir = scratchDir('pill');
  const td = await startTrendDrop({ dataDir: dir });
  try {
    ctx.onProgress(0, 'over HTTP');
    const http = await overHttp(ctx, td);
    const ready = (await fetch(`${td.url}/api/v1/ready`)).status;
    const notes = [
      `HTTP: ${http.pills} pills of ${PILLS.length} kinds among ${http.valid} valid events, sent twice as NDJSON: ${http.accepted} accepted and ${http.rejected} refused by index each time; ready ${ready} after`,
    ];
    let ok = http.lost === 0 && http.doubled === 0 && http.accepted === http.valid && http.rejected === http.pills && ready === 200;
    let { sent, stored, lost, doubled } = http;
    if (ctx.config.kafkaBrokers.length) {
      ctx.onProgress(0.5, 'over Kafka');
      const kafka = await overKafka(ctx, ctx.config.kafkaBrokers);
      notes.push(`Kafka: ${kafka.pills} pills among ${kafka.valid} valid events from an outside producer: ${kafka.deadLetters} dead-lettered, ${kafka.stored} valid counted (${kafka.lost} lost, ${kafka.doubled} doubled)`);
      ok &&= kafka.lost === 0 && kafka.doubled === 0 && kafka.deadLetters === kafka.pills;
      sent += kafka.sent; stored += kafka.stored; lost += kafka.lost; doubled += kafka.doubled;
    } else {
      notes.push('Kafka: not run (set KAFKA_BROKERS to produce the same mix into a topic)');
    }
    return { scenario: 'poison-pills', fault: 'poison pills among valid events, sent twice', sent, acked: http.accepted, stored, lost, doubled, seconds: Math.round((Date.now() - t0) / 1000), notes, ok };
  } finally {
    await td.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const poisonPills: ChaosScenario = { name: 'poison-pills', run };
