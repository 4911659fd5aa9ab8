// Prices in one currency, from the rate table in the agent's config. Pure.

/** `rates[code]` = how many units of `base` one unit of `code` is worth. */
export interface CurrencyTable { base: string; rates: Record<string, number> }

/** The price in the base currency, or undefined when the table has no rate for `currency`. */
export function convertPrice(price: number, currency: string, table: CurrencyTable): number | undefined {
  const rate = currency === table.base ? 1 : table.rates[currency];
  return rate === undefined ? undefined : Math.round(price * rate * 100) / 100;
}
