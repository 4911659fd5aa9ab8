// Preloaded (`node -r`) into a command: once the entry's synchronous code has run (and set its V8
// flags), holds ~230 MiB and churns through as much again many times over in arrays that outlive
// the young generation (so they die in the old one, as a round's results do), reports on stderr
// the most heap V8 had in use (live and garbage not yet collected), and exits.
'use strict';
const { writeSync } = require('node:fs');

setImmediate(() => {
  const live = Array.from({ length: 120 }, () => new Array(250_000).fill(1.5));
  const recent = [];
  let peak = 0;
  for (let i = 0; i < 2000; i++) {
    recent.push(new Array(50_000).fill(i + 0.5));
    if (recent.length > 20) recent.shift();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  writeSync(2, `heap-probe ${JSON.stringify({ held: live.length, peakMiB: Math.round(peak / 2 ** 20) })}\n`);
  process.exit(0);
});
