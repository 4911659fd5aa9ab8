// Region names as tools export them ("United States", "Worldwide", "Türkiye") to ISO codes.
import { isRegionCode } from '../../../schemas/validate.js';

const fold = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]+/g, ' ').trim();

// Names Google Trends and other exports use that differ from ICU's English names.
const ALIASES: Record<string, string> = {
  worldwide: 'ZZ', world: 'ZZ', global: 'ZZ', turkiye: 'TR', 'hong kong': 'HK', macau: 'MO', macao: 'MO',
  'czech republic': 'CZ', 'south korea': 'KR', 'north korea': 'KP', russia: 'RU', 'ivory coast': 'CI',
  'cote d ivoire': 'CI', 'myanmar burma': 'MM', burma: 'MM', 'the netherlands': 'NL', uk: 'GB', usa: 'US',
  'united states of america': 'US', 'palestinian territories': 'PS', 'congo drc': 'CD', 'congo republic': 'CG',
};

let byName: Map<string, string> | undefined;
function names(): Map<string, string> {
  if (byName) return byName;
  byName = new Map(Object.entries(ALIASES));
  const dn = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = dn.of(code);
      if (name && isRegionCode(code) && !byName.has(fold(name))) byName.set(fold(name), code);
    }
  }
  return byName;
}

/** ISO 3166-1 alpha-2 code for a code or an English country name; undefined when unknown. */
export function regionCode(value: string): string | undefined {
  const v = value.trim();
  if (/^[A-Za-z]{2}$/.test(v) && isRegionCode(v.toUpperCase())) return v.toUpperCase();
  return names().get(fold(v));
}
