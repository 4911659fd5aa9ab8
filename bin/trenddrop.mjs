#!/usr/bin/env node
// The `trenddrop` command, loaded by its entry ./trenddrop.cjs (which sizes libuv's thread pool
// first; run directly, this works the same on libuv's default pool of four): the TypeScript
// sources compiled into one module, rebuilt whenever one of them changes (./cli-build.mjs), so
// there is no build step to forget. Where that module cannot be written (a read-only
// installation), the sources run through tsx as they are.
import { compiledCli } from './cli-build.mjs';

let compiled = null;
try {
  compiled = await compiledCli();
} catch (err) {
  process.stderr.write(`trenddrop: running the sources through tsx, slower to start (the compiled CLI could not be built: ${err.message})\n`);
}
// Stack traces name the compiled chunks and the sources' function names; `node
// --enable-source-maps` maps them to the sources' lines (reading the maps cost a start 0.2 CPU s).
if (compiled) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
