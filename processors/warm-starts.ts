// The forecaster's warm starts, kept between refreshes per product and metric: 200k of them at
// 100k products and two metrics, filled as the rounds reach each product (233k forecasts in the
// hour-long soak). Each is kept as one short string: its numbers as raw bits (four UTF-16 code
// units a double), beside the index of its shape, the rest of its JSON with every number a 0,
// which a handful of model forms share (the forms and parameter names, not the values). As JSON
// text an entry had been ~275 characters (a double's 17 digits for its 8 bytes); the numbers as
// bits make it ~50. The numbers come back to the bit (NaN, ±Infinity and -0 included), so a
// refresh starts from the same values as from the objects.
import type { Step } from '../analytics/granularity.js';

/** What the next refresh of one product and metric starts from. */
export interface WarmStart {
  step: Step;
  /** Per model, its last backtest fit's warm start (`SeriesForecast.warm`): plain data. */
  models: Map<string, unknown>;
  /** The seasons the last cold refresh's strength test kept: a warm refresh keeps them (one hour more rarely changes a test on four weeks, and the models' warm starts are for those seasons). */
  periods: number[];
  /** Warm refreshes since the last cold one. */
  warmRuns: number;
  /** The chosen model's backtest MASE at the last cold fit. */
  coldMase: number;
  /** Set when a warm refresh's backtest degraded: the next one fits from scratch. */
  cold: boolean;
}

type Encoded = [Step, number[], number, number, boolean, Record<string, unknown>];

const bits = new DataView(new ArrayBuffer(8));

/** Warm starts by key, each kept compactly (above); shapes are interned for as long as the store lives. */
export class WarmStarts {
  private readonly entries = new Map<string, string>();
  private readonly shapes: string[] = [];
  private readonly shapeIds = new Map<string, number>();

  get size(): number { return this.entries.size; }
  keys(): IterableIterator<string> { return this.entries.keys(); }
  delete(key: string): boolean { return this.entries.delete(key); }

  get(key: string): WarmStart | undefined {
    const text = this.entries.get(key);
    return text === undefined ? undefined : this.decode(text);
  }

  set(key: string, w: WarmStart): void {
    this.entries.set(key, this.encode(w));
  }

  /** The shape's index as the first code unit, then each number's 64 bits as four. */
  encode(w: WarmStart): string {
    const nums: number[] = [];
    const value: Encoded = [w.step, w.periods, w.warmRuns, w.coldMase, w.cold, Object.fromEntries(w.models)];
    const shape = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? (nums.push(v), 0) : v));
    let id = this.shapeIds.get(shape);
    if (id === undefined) {
      // One code unit holds the index. The shapes are the model forms (a few dozen): past that, a
      // model's warm start varies in its keys or strings, which this store is not made for.
      if (this.shapes.length > 0xffff) throw new RangeError(`warm starts: more than ${0x10000} shapes; a model's warm start varies in more than its numbers`);
      id = this.shapes.push(shape) - 1;
      this.shapeIds.set(shape, id);
    }
    const units = [id];
    for (const x of nums) {
      bits.setFloat64(0, x);
      units.push(bits.getUint16(0), bits.getUint16(2), bits.getUint16(4), bits.getUint16(6));
    }
    return String.fromCharCode(...units);
  }

  private decode(text: string): WarmStart {
    let at = 1;
    const next = () => {
      for (let j = 0; j < 4; j++) bits.setUint16(2 * j, text.charCodeAt(at++));
      return bits.getFloat64(0);
    };
    // The reviver sees the numbers in the order the replacer did (document order, both ways).
    const [step, periods, warmRuns, coldMase, cold, models] = JSON.parse(this.shapes[text.charCodeAt(0)], (_k, v: unknown) => (typeof v === 'number' ? next() : v)) as Encoded;
    return { step, periods, warmRuns, coldMase, cold, models: new Map(Object.entries(models)) };
  }
}
