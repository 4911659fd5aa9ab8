// A global TensorFlow.js MLP (pooled across products, as in the M4 and M5 findings that one
// model learnt from many series beats a model per series: Makridakis et al. 2020, 2022; and
// Montero-Manso & Hyndman 2021, "Principles and algorithms for forecasting groups of time
// series: locality and globality", IJF 37(4)). Trained once across many series on lagged
// windows of the log series, each window centred on its own mean and divided by its own
// standard deviation so products of any size share one model; applied per product with one
// forward pass. Direct multi-step output, MAE loss (the point forecast is a median, like
// the other models'). Its intervals come from the backtest like every model's.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { toLogScale } from '../granularity.js';
import { mulberry32 } from '../../core/random.js';
import type { FittedModel, ForecastModel } from './types.js';

export interface NeuralOptions {
  /** Input window length (buckets); a season or two. */
  lags: number;
  /** Steps predicted at once; forecasts may ask for fewer, not more. */
  horizon: number;
  hidden?: number;
  /** Most epochs; training stops earlier when the validation error stops falling. */
  epochs?: number;
  seed?: number;
  /** Training windows kept at most (an even subsample beyond), to bound training time. */
  maxWindows?: number;
  /** Primary season (1 for none): the seasonal naive forecast the network must beat on validation. */
  period?: number;
}

export interface NeuralForecaster {
  readonly lags: number;
  readonly horizon: number;
  /**
   * Windows trained on and validated on, the epochs kept, and the validation MAE (normalised
   * units) of the network and of seasonal naive on the same windows: a network that does not
   * beat seasonal naive there is not worth offering (`useful`).
   */
  readonly stats: { train: number; validation: number; epochs: number; validationMae: number; naiveMae: number; useful: boolean };
  /** Point forecasts on the log scale (`toLogScale`) of a log-scale history. */
  predict(history: readonly number[], horizon?: number): number[];
  dispose(): void;
}

let backend: Promise<void> | undefined;

/** WASM backend (tfjs-node cannot be installed); falls back to the pure-JS CPU backend. */
function ensureBackend(): Promise<void> {
  backend ??= tf.setBackend('wasm').then(async (ok) => { if (!ok) await tf.setBackend('cpu'); await tf.ready(); });
  return backend;
}

/** Smallest standard deviation a window is divided by: a flat log window moves by less than 1%. */
const MIN_SD = 0.01;

function normaliser(input: readonly number[]): { loc: number; scale: number } {
  let m = 0;
  for (const v of input) m += v;
  m /= input.length;
  let s = 0;
  for (const v of input) s += (v - m) * (v - m);
  return { loc: m, scale: Math.max(MIN_SD, Math.sqrt(s / input.length)) };
}

interface Window { input: number[]; target: number[] }

/** Windows of `lags` inputs and `horizon` targets whose targets lie in [from, to). */
function windowsOf(z: readonly number[], lags: number, horizon: number, from: number, to: number): Window[] {
  const out: Window[] = [];
  for (let t = Math.max(lags, from); t + horizon <= to; t++) {
    const raw = z.slice(t - lags, t);
    const { loc, scale } = normaliser(raw);
    out.push({ input: raw.map((v) => (v - loc) / scale), target: z.slice(t, t + horizon).map((v) => (v - loc) / scale) });
  }
  return out;
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function evenSubsample<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  return Array.from({ length: max }, (_, i) => xs[Math.floor((i * xs.length) / max)]);
}

/**
 * Input length for series of at least `minLength` points: two primary seasons when that leaves
 * room for validation and a dozen training windows per series, else one, else 12 buckets.
 */
export function chooseLags(minLength: number, horizon: number, period: number): number {
  const room = (lags: number) => minLength - horizon - lags - horizon >= 12;
  return [2 * period, period, 12].find((l) => l >= 2 && room(l)) ?? 12;
}

/**
 * Training runs on the server's event loop, beside the API and the sink. TF.js yields every 125 ms
 * by default: requests waited 160–400 ms behind it (event-loop delay p50 196 ms over a 13 s
 * training at load 8), so a first start's dashboard loaded in seconds. Every 25 ms: p50 29–32 ms.
 * ('batch' also reads back each batch's loss, which doubled the training time.)
 */
const YIELD_EVERY_MS = 25;

/**
 * Trains on every series (raw values; cut each one where its backtest starts so the backtest
 * stays honest). The last horizon of each series (the last few when there are few series) is
 * validation: those targets come after every training target of that series, and the epoch
 * with the lowest validation error is kept. Series too short for a validation window and one training window are skipped.
 * RangeError when there are too few windows.
 */
export async function trainGlobal(seriesList: readonly (readonly number[])[], opts: NeuralOptions): Promise<NeuralForecaster> {
  const { lags, horizon, hidden = 64, epochs = 60, seed = 1, maxWindows = 4000, period = 1 } = opts;
  const train: Window[] = [];
  const validation: Window[] = [];
  // At least five validation windows in all: a few series each give more of their last horizons.
  const perSeries = Math.max(1, Math.ceil(5 / Math.max(1, seriesList.length)));
  for (const y of seriesList) {
    if (y.length < lags + 2 * horizon) continue;
    const z = toLogScale(y).values;
    const v = Math.max(1, Math.min(perSeries, Math.floor((z.length - lags - horizon) / horizon) - 1));
    const cut = z.length - v * horizon;
    train.push(...windowsOf(z, lags, horizon, 0, cut));
    // One window per held-out horizon: no two validation windows share a target.
    for (let t = cut; t + horizon <= z.length; t += horizon) validation.push(...windowsOf(z, lags, horizon, t, t + horizon).slice(0, 1));
  }
  if (train.length < 50 || validation.length < 5) throw new RangeError(`too little data to train: ${train.length} training and ${validation.length} validation windows of ${lags}+${horizon} buckets`);
  await ensureBackend();
  const data = shuffled(evenSubsample(train, maxWindows), seed);
  const val = evenSubsample(validation, 1000);

  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const net = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [lags], units: hidden, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ units: horizon, kernelInitializer: init(3) }),
    ],
  });
  net.compile({ optimizer: tf.train.adam(0.003), loss: 'meanAbsoluteError' });
  const xs = tf.tensor2d(data.map((w) => w.input));
  const ys = tf.tensor2d(data.map((w) => w.target));
  const vx = tf.tensor2d(val.map((w) => w.input));
  const vy = tf.tensor2d(val.map((w) => w.target));
  let best = { loss: Infinity, epoch: 0, weights: [] as tf.Tensor[] };
  const patience = 8;
  try {
    const rand = mulberry32(seed + 7);
    for (let epoch = 1; epoch <= epochs && epoch - best.epoch <= patience; epoch++) {
      // Shuffled with a seeded permutation each epoch (TF.js's own shuffle is not seeded): the same data trains the same network.
      const order = tf.tensor1d(shuffled(data.map((_, i) => i), Math.floor(rand() * 2 ** 31)), 'int32');
      const [ex, ey] = [tf.gather(xs, order), tf.gather(ys, order)];
      order.dispose();
      try { await net.fit(ex, ey, { epochs: 1, batchSize: 128, shuffle: false, verbose: 0, yieldEvery: YIELD_EVERY_MS }); } finally { ex.dispose(); ey.dispose(); }
      const loss = tf.tidy(() => (tf.losses.absoluteDifference(vy, net.predict(vx) as tf.Tensor2D) as tf.Scalar).dataSync()[0]);
      if (loss < best.loss) {
        best.weights.forEach((w) => w.dispose());
        best = { loss, epoch, weights: net.getWeights().map((w) => w.clone()) };
      }
    }
    net.setWeights(best.weights);
  } finally {
    best.weights.forEach((w) => w.dispose());
    [xs, ys, vx, vy].forEach((t) => t.dispose());
  }

  // Seasonal naive on the same normalised validation windows (the season clipped to the window).
  const m = Math.max(1, Math.min(Math.floor(period), lags));
  let naive = 0;
  for (const w of val) for (let k = 0; k < horizon; k++) naive += Math.abs(w.target[k] - w.input[lags - m + (k % m)]);
  const naiveMae = naive / (val.length * horizon);
  return {
    lags,
    horizon,
    stats: { train: data.length, validation: val.length, epochs: best.epoch, validationMae: best.loss, naiveMae, useful: best.loss < naiveMae },
    predict(history, h = horizon) {
      if (h > horizon) throw new RangeError(`model was trained for a horizon of ${horizon}, asked for ${h}`);
      if (!history.length) throw new RangeError('cannot forecast an empty series');
      // A history shorter than the window is left-padded with its first value.
      const tail = history.slice(-lags);
      const raw = [...Array<number>(lags - tail.length).fill(tail[0]), ...tail];
      const { loc, scale } = normaliser(raw);
      const out = tf.tidy(() => (net.predict(tf.tensor2d([raw.map((v) => (v - loc) / scale)])) as tf.Tensor2D).dataSync());
      return Array.from({ length: h }, (_, k) => loc + scale * out[k]);
    },
    dispose: () => net.dispose(),
  };
}

export const NEURAL = 'mlp-global';

/** The trained network as a ForecastModel: nothing to fit per series, it is already global. */
export function neuralModel(net: NeuralForecaster): ForecastModel {
  const fitted: FittedModel = { forecast: (history, horizon) => net.predict(history, horizon) };
  return { name: NEURAL, fit: () => fitted };
}
