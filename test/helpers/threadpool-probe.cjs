// Preloaded (`node -r`) into a command to find whether libuv's thread pool has more threads than
// PROBE_BLOCKERS: that many workers are held in open() of FIFOs that have no writer, then a stat
// completes only if a thread is left. It runs once the entry's synchronous code has (so the entry
// had its chance to size the pool), reports one line on stderr and exits; the command's own exit
// is held off until then.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const blockers = Number(process.env.PROBE_BLOCKERS);
const waitMs = Number(process.env.PROBE_WAIT_MS || 10_000);
const exit = process.exit.bind(process);
process.exit = () => undefined;

setImmediate(() => {
  const dir = fs.mkdtempSync(join(tmpdir(), 'threadpool-probe-'));
  const fifos = Array.from({ length: blockers }, (_, i) => join(dir, `f${i}`));
  execFileSync('mkfifo', fifos);
  for (const f of fifos) fs.open(f, 'r', () => undefined);
  const began = Date.now();
  let reported = false;
  const report = (freeThread) => {
    if (reported) return;
    reported = true;
    fs.writeSync(2, `threadpool-probe ${JSON.stringify({ freeThread, ms: Date.now() - began, size: process.env.UV_THREADPOOL_SIZE ?? null })}\n`);
    // Held open for reading and writing until exit, so that the blocked opens return and those
    // still queued do not block (an exit waits for the pool's threads).
    for (const f of fifos) fs.openSync(f, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    fs.rmSync(dir, { recursive: true, force: true });
    exit(0);
  };
  fs.stat(__filename, () => report(true));
  setTimeout(() => report(false), waitMs);
});
