// `trenddrop signals`: the breakout alerts' track record on a simulated replay and on real series,
// each run through the real pipeline in-process (bench/signals.ts).
import { createLogger } from '../core/logger.js';
import { progress } from './progress.js';
import { ValidationError } from '../core/errors.js';
import { birthsDataset, formatSignals, githubDataset, runSignalsDataset, simulatedDataset, unemploymentDataset, type SignalsDataset, type SignalsResult } from '../bench/signals.js';

export interface SignalsCommandOptions { days: number; end: number; only?: string[]; json: boolean }

export async function signalsCommand(o: SignalsCommandOptions, out: NodeJS.WritableStream): Promise<SignalsResult[]> {
  const all: Record<string, () => SignalsDataset> = {
    simulated: () => simulatedDataset(o.days, o.end), github: githubDataset, births: birthsDataset, unemployment: unemploymentDataset,
  };
  const names = o.only ?? Object.keys(all);
  const unknown = names.find((n) => !(n in all));
  if (unknown) throw new ValidationError(`unknown dataset "${unknown}"`, [{ field: 'only', reason: `use ${Object.keys(all).join(', ')}` }]);
  const logger = createLogger('warn');
  const results: SignalsResult[] = [];
  for (const [i, name] of names.entries()) {
    // Long work shows where it is: each dataset takes from seconds to minutes.
    process.stderr.write(`signals ${i + 1}/${names.length}: replaying ${name} through the pipeline…\n`);
    const bar = progress(`signals ${name}`);
    try {
      results.push(await runSignalsDataset(all[name](), logger, (f, stage) => bar.update(f, stage)));
    } finally {
      bar.stop();
    }
  }
  out.write(o.json ? `${JSON.stringify(results, null, 2)}\n` : formatSignals(results));
  return results;
}
