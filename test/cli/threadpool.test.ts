// The `trenddrop` command starts with a thread pool larger than libuv's four (bin/trenddrop.cjs),
// so that chdb queries, which each hold a pool thread while they run, leave threads for the
// dashboard's file reads and the API's queries; and a size the user set is kept.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const PROBE = join(ROOT, 'test/helpers/threadpool-probe.cjs');
/** The installed command, as package.json declares it. */
const BIN = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { trenddrop: string } }).bin.trenddrop;

/** Runs `trenddrop --version` with the probe: whether a pool thread was free beside `blockers` held ones. */
async function probe(blockers: number, env: Record<string, string | undefined> = {}): Promise<{ freeThread: boolean; size: string | null }> {
  const e: Record<string, string | undefined> = { ...process.env, PROBE_BLOCKERS: String(blockers), ...env };
  delete e.UV_THREADPOOL_SIZE;
  if (env.UV_THREADPOOL_SIZE !== undefined) e.UV_THREADPOOL_SIZE = env.UV_THREADPOOL_SIZE;
  const proc = spawn(process.execPath, ['-r', PROBE, join(ROOT, BIN), '--version'], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  await new Promise((r) => proc.once('exit', r));
  clearTimeout(timer);
  const line = err.split('\n').find((l) => l.startsWith('threadpool-probe '));
  if (!line) throw new Error(`the probe did not report:\n${err}`);
  return JSON.parse(line.slice('threadpool-probe '.length));
}

describe('the trenddrop command thread pool', () => {
  // The compiled CLI built first, without the probe: a build waits on the pool synchronously,
  // and with the probe holding every thread it would never finish.
  beforeAll(async () => {
    const proc = spawn(process.execPath, [join(ROOT, BIN), '--version'], { cwd: ROOT, stdio: 'ignore' });
    await new Promise((r) => proc.once('exit', r));
  }, 180_000);

  it('has threads free beside eight held ones (libuv alone has four)', async () => {
    expect(await probe(8)).toEqual(expect.objectContaining({ freeThread: true, size: '16' }));
  });

  it('keeps a size the user set', async () => {
    expect(await probe(8, { UV_THREADPOOL_SIZE: '6' })).toEqual(expect.objectContaining({ freeThread: false, size: '6' }));
    expect(await probe(8, { UV_THREADPOOL_SIZE: '12' })).toEqual(expect.objectContaining({ freeThread: true, size: '12' }));
  });
});
