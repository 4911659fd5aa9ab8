// The dashboard keeps its own copy of the platform list (the schema library stays out of the
// browser bundle): it must list exactly what the event schema accepts; likewise the lifecycle stages.
import { describe, expect, it } from 'vitest';
import { PLATFORMS as dashboardPlatforms } from '../../dashboard/src/lib/constants';
import { PLATFORMS } from '../../schemas/events';
import { STAGES } from '../../analytics/lifecycle';
import { STAGES as dashboardStages } from '../../dashboard/src/lib/format';
import { parseFilters } from '../../dashboard/src/lib/filters';

describe('dashboard constants', () => {
  it('offers exactly the platforms the event schema accepts', () => {
    expect([...dashboardPlatforms]).toEqual([...PLATFORMS]);
  });
});

describe('dashboard lifecycle stages', () => {
  it('offers exactly the stages the lifecycle has, in lifecycle order (the order sort=stage uses)', () => {
    expect([...dashboardStages]).toEqual([...STAGES]);
  });

  it('a stage in the URL filters the explorer; one the API does not know is ignored rather than sent (it would answer 400)', () => {
    expect(parseFilters({ stage: 'peaking', label: 'rising' })).toEqual({ stage: 'peaking', label: 'rising' });
    expect(parseFilters({ stage: 'toString' })).toEqual({});
    expect(parseFilters({ stage: 'booming' })).toEqual({});
  });
});
