// Preloaded (`NODE_OPTIONS=--require …`) into a command: reports the Node process's PID and the
// environment it was started with (/proc/self/environ, what glibc read at its first allocation)
// as one line on stderr, then exits before the command runs.
'use strict';
const { readFileSync, writeSync } = require('node:fs');

const environ = Object.fromEntries(readFileSync('/proc/self/environ', 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
writeSync(2, `env-probe ${JSON.stringify({ pid: process.pid, mmapThreshold: environ.MALLOC_MMAP_THRESHOLD_ ?? null })}\n`);
process.exit(0);
