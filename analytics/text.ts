// Product text as words, one way for every use: the agent's dedupe, taxonomy and feed mentions,
// and text similarity. Pure.

// Words that say nothing about which product it is, including listing noise that differs
// between stores selling the same item.
const STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'for', 'with', 'of', 'in', 'on', 'to', 'by', 'from', 'your', 'my',
  'new', 'hot', 'sale', 'best', 'top', 'free', 'shipping', 'pcs', 'pc', 'piece', 'pieces', 'pack', 'set',
  'original', 'premium', 'upgraded', 'version', 'edition', 'official', 'genuine',
]);

/**
 * Lower-case words of letters and digits in any script, Latin accents folded, a plural `s`
 * stripped (words over three letters, not `ss`), so "Lámparas" and "lampara" are one word.
 * Only the combining diacritics (U+0300–U+036F) are folded: the marks other scripts spell with
 * (Japanese voicing, Indic vowel signs) stay part of their word.
 */
export function words(text: string): string[] {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').normalize('NFC').toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u).filter(Boolean)
    .map((t) => (t.length > 3 && t.endsWith('s') && !t.endsWith('ss') ? t.slice(0, -1) : t));
}

/** The words that say what a product is: `words` without stopwords. */
export function terms(text: string): string[] {
  return words(text).filter((w) => !STOPWORDS.has(w));
}
