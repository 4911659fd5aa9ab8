// `npm start`, `npm run bench` and the container run TrendDrop through bin/trenddrop.sh, which
// fixes glibc's mmap threshold before Node starts (why: the script's comment). It must replace
// itself with Node (the same PID, so that a SIGKILL sent to what was started reaches TrendDrop)
// and keep a threshold the user set.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const PROBE = join(ROOT, 'test/helpers/env-probe.cjs');

async function launch(env: Record<string, string> = {}): Promise<{ spawnedPid: number; pid: number; mmapThreshold: string | null }> {
  const e: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: `--require ${PROBE}`, ...env };
  if (env.MALLOC_MMAP_THRESHOLD_ === undefined) delete e.MALLOC_MMAP_THRESHOLD_;
  const proc = spawn('sh', [join(ROOT, 'bin/trenddrop.sh'), '--version'], { cwd: ROOT, env: e, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  await new Promise((r) => proc.once('exit', r));
  const line = err.split('\n').find((l) => l.startsWith('env-probe '));
  if (!line) throw new Error(`the probe did not report:\n${err}`);
  return { spawnedPid: proc.pid!, ...JSON.parse(line.slice('env-probe '.length)) };
}

describe('bin/trenddrop.sh', () => {
  it('starts Node in its own place with the mmap threshold fixed', async () => {
    const r = await launch();
    expect(r.pid).toBe(r.spawnedPid);
    expect(r.mmapThreshold).toBe('131072');
  });

  it('keeps a threshold the user set', async () => {
    expect((await launch({ MALLOC_MMAP_THRESHOLD_: '262144' })).mmapThreshold).toBe('262144');
  });

  it('is what npm start and npm run bench run', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe('sh bin/trenddrop.sh start');
    expect(scripts.bench).toBe('sh bin/trenddrop.sh bench');
  });
});
