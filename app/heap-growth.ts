// How far V8 lets its old generation grow past what the last full collection kept before it
// collects again. By default a multiple: a scoring round that settles several event hours leaves
// hundreds of MiB of its rows and scores as garbage, which V8 kept until its heap reached a
// gigabyte. In a 15-minute soak at 100k products (one interleaved pair, load 19-36) 75 % gave V8
// heap committed peak 1,025 -> 653 MiB, resident peak 2,004 -> 1,725 MiB (mean 1,480 -> 1,518);
// CPU an event did not move on the Kafka bench (27.6 / 22.7 -> 25.4 / 22.8 µs, two pairs) nor the
// embedded pipeline's (11.3 / 11.6 -> 11.6 / 10.2 µs); 50 % had cost the Kafka bench half again.
// V8 reads the flag each time a collection sets the next limit, so it is set at run time, in the
// process that runs the app only (not the bench's helper processes nor the CLI's other commands).
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 75;

/** Bounds the heap's growth between full collections, unless `node` was given its own value. Says whether it set it. */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
