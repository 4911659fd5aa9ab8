// The phases of `trenddrop bench`, in their own module so that the CLI can parse `--phases`
// without loading the benchmarks themselves.
export const PHASES = ['pipeline', 'fanout', 'api', 'soak', 'first-start', 'dashboard', 'redelivery', 'chaos', 'forecast', 'scorer'] as const;
export type Phase = (typeof PHASES)[number];
