import { describe, expect, it } from 'vitest';
import { boundHeapGrowth } from '../../app/heap-growth.js';

describe('boundHeapGrowth', () => {
  it('sets the growth bound unless node was given one', () => {
    expect(boundHeapGrowth(['--heap-growing-percent=50'])).toBe(false);
    expect(boundHeapGrowth(['--heap_growing_percent', '50'])).toBe(false);
    expect(boundHeapGrowth(['--max-old-space-size=4096'])).toBe(true);
    expect(boundHeapGrowth([])).toBe(true);
  });
});
