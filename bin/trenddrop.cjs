#!/usr/bin/env node
// The `trenddrop` command's entry. Each embedded ClickHouse (chdb) query holds one of libuv's
// worker threads for as long as it runs, and so do file reads (the dashboard's assets), zlib and
// DNS: with libuv's default of four, a `SELECT 1` waited 18 s behind four long queries and a
// dashboard's first chart seconds behind the processors' rounds. libuv reads the size once, when
// the pool first starts, and an ES module entry is too late (the module loader reads its files on
// the pool before any of the module runs), so this entry is CommonJS and sets it before loading
// the rest (./trenddrop.mjs). A size set by the user is kept. It also bounds V8's heap growth
// between full collections (below).
'use strict';

/** Threads idle cost a stack mapping each, touched only as used; 16 let reads through in the dashboard bench. */
const THREADPOOL_SIZE = 16;

// `||=`: an empty value would otherwise give a pool of one (libuv reads it as 0, then 1).
process.env.UV_THREADPOOL_SIZE ||= String(THREADPOOL_SIZE);

/**
 * How far V8 lets its old generation grow past what the last full collection kept before it runs
 * the next one. Left to itself, on a machine with a few GB or more, V8 lets it reach up to four
 * times that: at 100k products the rounds' garbage piled up to ~1.2 GiB on a live heap of ~350 MiB
 * between collections, most of a soak's resident peak. 50 % bounds the pile to half the live heap.
 * V8 reads the flag whenever it sets the next limit, so setting it here works without a restart;
 * one given on the command line (`node --heap-growing-percent=…`; 0 is V8's own growth) is kept.
 */
const HEAP_GROWING_PERCENT = 50;
if (!process.execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) require('node:v8').setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
import('./trenddrop.mjs');
