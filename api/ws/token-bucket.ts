// A token bucket: `burst` tokens at most, refilled at `perSec`. Each WebSocket connection has
// one, so a client can send a page's worth of subscriptions at once but not a flood.
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(private readonly burst: number, private readonly perSec: number, private readonly now: () => number) {
    this.tokens = burst;
    this.at = now();
  }

  /** Takes `n` tokens when there are that many; false (taking none) when there are not. */
  take(n = 1): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.perSec);
    this.at = t;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}
