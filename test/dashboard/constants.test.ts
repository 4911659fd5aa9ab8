// The dashboard keeps its own copy of the platform list (the schema library stays out of the
// browser bundle): it must list exactly what the event schema accepts.
import { describe, expect, it } from 'vitest';
import { PLATFORMS as dashboardPlatforms } from '../../dashboard/src/lib/constants';
import { PLATFORMS } from '../../schemas/events';

describe('dashboard constants', () => {
  it('offers exactly the platforms the event schema accepts', () => {
    expect([...dashboardPlatforms]).toEqual([...PLATFORMS]);
  });
});
