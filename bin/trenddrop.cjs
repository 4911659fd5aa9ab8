#!/usr/bin/env node
// The `trenddrop` command's entry. Each embedded ClickHouse (chdb) query holds one of libuv's
// worker threads for as long as it runs, and so do file reads (the dashboard's assets), zlib and
// DNS: with libuv's default of four, a `SELECT 1` waited 18 s behind four long queries and a
// dashboard's first chart seconds behind the processors' rounds. libuv reads the size once, when
// the pool first starts, and an ES module entry is too late (the module loader reads its files on
// the pool before any of the module runs), so this entry is CommonJS and sets it before loading
// the rest (./trenddrop.mjs). A size set by the user is kept.
'use strict';

/** Threads idle cost a stack mapping each, touched only as used; 16 let reads through in the dashboard bench. */
const THREADPOOL_SIZE = 16;

// `||=`: an empty value would otherwise give a pool of one (libuv reads it as 0, then 1).
process.env.UV_THREADPOOL_SIZE ||= String(THREADPOOL_SIZE);
import('./trenddrop.mjs');
