// Time is a dependency so that windows, watermarks and schedules can be tested with a fake clock.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number { return this.t; }
  set(t: number): void { this.t = t; }
  advance(ms: number): void { this.t += ms; }
}
