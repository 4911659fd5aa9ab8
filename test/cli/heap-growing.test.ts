// The `trenddrop` command bounds how far V8's heap grows past what the last full collection kept
// (bin/trenddrop.cjs): under the same churn, the heap in use peaks well below where V8's own
// growth (up to four times the live heap, given here on the command line) lets it; and a value
// given on the command line is kept.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const PROBE = join(ROOT, 'test/helpers/heap-probe.cjs');
const BIN = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { trenddrop: string } }).bin.trenddrop;

/** The probe's peak heap in use (MiB) under `trenddrop help` started with `nodeArgs`. */
async function peakMiB(nodeArgs: string[]): Promise<number> {
  const proc = spawn(process.execPath, [...nodeArgs, '-r', PROBE, join(ROOT, BIN), 'help'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  await new Promise((r) => proc.once('exit', r));
  clearTimeout(timer);
  const line = err.split('\n').find((l) => l.startsWith('heap-probe '));
  if (!line) throw new Error(`the probe did not report:\n${err}`);
  return (JSON.parse(line.slice('heap-probe '.length)) as { peakMiB: number }).peakMiB;
}

describe('the trenddrop command heap growth', () => {
  it('keeps garbage to a fraction of the live heap, unless told otherwise on the command line', async () => {
    const bounded = await peakMiB([]);
    const loose = await peakMiB(['--heap-growing-percent=300']);
    // ~230 MiB held: at 50 % growth the heap peaks near 1.5 times that, at 300 % near four times.
    expect(bounded).toBeLessThan(450);
    expect(loose).toBeGreaterThan(bounded * 1.4);
  }, 120_000);
});
