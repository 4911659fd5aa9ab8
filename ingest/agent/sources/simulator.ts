// The built-in market simulator as one source among the others. The simulator itself lives in
// ingest/simulator.ts; this adapter only needs something that yields a batch per run.
import type { EngagementEvent, ProductMessage, Source, SourceContext, SourceResult, VideoMessage } from '../types.js';
import { emptyResult } from '../types.js';

export interface SimulatorBatch { products?: ProductMessage[]; events?: EngagementEvent[]; videos?: VideoMessage[] }

/** What the adapter needs from the simulator: the batch of activity up to `now`. */
export type SimulatorStep = (now: number) => SimulatorBatch | Promise<SimulatorBatch>;

export class SimulatorSource implements Source {
  constructor(readonly name: string, private readonly step: SimulatorStep) {}

  async run(ctx: SourceContext): Promise<SourceResult> {
    const b = await this.step(ctx.now);
    return { ...emptyResult(), products: b.products ?? [], events: b.events ?? [], videos: b.videos ?? [] };
  }
}
