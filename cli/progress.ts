// A progress bar on a terminal; a line every few seconds elsewhere (CI logs, pipes).
import cliProgress from 'cli-progress';

export interface Progress { update(fraction: number, info: string): void; stop(): void }

export function progress(label: string): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% | {info}`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(100, 0, { info: '' });
    return { update: (f, info) => bar.update(Math.round(f * 100), { info }), stop: () => bar.stop() };
  }
  let last = 0;
  return {
    update: (f, info) => { if (Date.now() - last > 5000 || f >= 1) { last = Date.now(); process.stderr.write(`${label} ${Math.round(f * 100)}% ${info}\n`); } },
    stop: () => {},
  };
}
