// Types of ./cli-build.mjs, for the tests that import it.
export interface CompiledCliOptions {
  /** The project root (default: this installation's). */
  root?: string;
  /** The entry module, relative to root (default `cli/main.ts`). */
  entry?: string;
  /** Where builds are kept (default `node_modules/.cache/trenddrop/cli` under root). */
  outDir?: string;
}
export function compiledCli(o?: CompiledCliOptions): Promise<string>;
