// Postgres connections killed under load: TrendDrop on a scratch database of the Postgres server
// at DATABASE_URL, with products streaming in, has every backend of that database terminated
// (pg_terminate_backend) again and again, then the database refuses connections for a spell.
// The process must live through it, say why it is not ready meanwhile, and store every product
// (and its events) once the database answers, with nothing dead-lettered.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { sleep } from '../../core/retry.js';
import { skipped, tally, type ChaosContext, type ChaosReport, type ChaosScenario } from './scenario.js';
import { getJson, metricSum, postJson, productEvents, scratchDir, settledCounts, startTrendDrop } from './trenddrop-process.js';

const FAULT = 'pg_terminate_backend on every connection, repeatedly, then a spell of refused connections';

async function admin(serverUrl: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try { return await c.query(sql, params); } finally { await c.end(); }
}

async function run(ctx: ChaosContext): Promise<ChaosReport> {
  const server = ctx.config.databaseUrl;
  if (!server) return skipped('postgres-kill', FAULT, 'set DATABASE_URL to a Postgres server: the scenario creates (and drops) a scratch database on it');
  const t0 = Date.now();
  const name = `trenddrop_chaos_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await admin(server, `CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const terminate = async () => (await admin(server, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])).rowCount ?? 0;
  const dir = scratchDir('pg');
  let td = null;
  try {
    td = await startTrendDrop({ dataDir: dir, env: { DATABASE_URL: url.toString() } });
    const rounds = ctx.quick ? 4 : 10, perRound = ctx.quick ? 25 : 60, eventsPer = 20;
    const now = Date.now();
    const ids: string[] = [];
    let killed = 0, acked = 0, notReadyReason = '';
    for (let r = 0; r < rounds; r++) {
      ctx.onProgress(r / rounds, 'products under connection kills');
      const products = Array.from({ length: perRound }, (_, i) => ({ productId: `chaos-pg-${r}-${i}`, title: `Chaos lamp ${r}.${i}`, category: 'Home', price: 10 + i }));
      const refuse = r === Math.floor(rounds / 2);
      if (refuse) { await admin(server, `ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`); killed += await terminate(); }
      if ((await postJson(td.url, 'products', products)).status === 202) acked += products.length;
      const events = products.flatMap((p) => productEvents('pg', p.productId, eventsPer, now));
      await postJson(td.url, 'events', events);
      ids.push(...products.map((p) => p.productId));
      killed += await terminate();
      if (refuse) {
        for (let i = 0; i < 60 && !notReadyReason; i++) {
          const ready = await getJson(td.url, 'ready');
          if (ready.status === 503) notReadyReason = JSON.stringify(ready.body.components.consumers?.detail ?? ready.body.components.postgres?.detail ?? '').slice(0, 160);
          else await sleep(250);
        }
        await admin(server, `ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
      }
    }
    ctx.onProgress(0.9, 'catching up');
    const storedProducts = async () => {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try { return Number((await c.query('SELECT count(*)::int AS n FROM products WHERE product_id = ANY($1)', [ids])).rows[0].n); } finally { await c.end(); }
    };
    let stored = 0;
    for (let i = 0; i < 240 && (stored = await storedProducts()) < ids.length; i++) await sleep(500);
    const events = tally(new Map(ids.map((id) => [id, eventsPer])), await settledCounts(td.url, new Map(ids.map((id) => [id, eventsPer])), 120_000));
    const alive = td.proc.exitCode === null && td.proc.signalCode === null;
    const deadLetters = await metricSum(td.url, 'trenddrop_dead_letter_total');
    return {
      scenario: 'postgres-kill', fault: FAULT, sent: ids.length, acked, stored, lost: ids.length - stored, doubled: 0, seconds: Math.round((Date.now() - t0) / 1000),
      notes: [
        `${killed} backends terminated over ${rounds} rounds; the process ${alive ? 'lived through it' : 'DIED'}`,
        `while connections were refused, ready said: ${notReadyReason || '(never 503)'}`,
        `events of those products: ${events.stored} stored of ${ids.length * eventsPer} (${events.lost} lost, ${events.doubled} doubled); ${deadLetters} dead letters`,
      ],
      ok: alive && stored === ids.length && events.lost === 0 && events.doubled === 0 && deadLetters === 0 && notReadyReason !== '',
    };
  } finally {
    await td?.stop();
    await admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const postgresKill: ChaosScenario = { name: 'postgres-kill', run };
