// A worker thread's entry for forecast-worker.ts: the TypeScript source, loaded through tsx (a
// worker has a module loader of its own), both from the sources and from the compiled CLI.
import { register } from 'tsx/esm/api';

register();
await import('./forecast-worker.ts');
