import type { Interval } from './types';

// Mirrors schemas/events.ts PLATFORMS (test/dashboard/constants.test.ts keeps them equal); copied
// rather than imported so the schema library does not ship to the browser.
export const PLATFORMS = [
  'tiktok', 'instagram', 'youtube', 'facebook', 'pinterest', 'snapchat', 'x', 'reddit',
  'amazon', 'shopify', 'google', 'web', 'other',
] as const;

/** Each fixed API interval's length (months have none). */
export const INTERVAL_MS: Record<Interval, number> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000, '1w': 7 * 86_400_000 };

/** Markets offered in region pickers; any ISO 3166-1 alpha-2 code works in the URL. */
export const MARKETS = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'CA', 'MX', 'BR', 'AU', 'IN', 'JP', 'ID', 'PH', 'SG', 'AE', 'SA', 'ZA', 'KR', 'TR'];

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
export function regionName(code: string): string {
  try { return regionNames.of(code) ?? code; } catch { return code; }
}
