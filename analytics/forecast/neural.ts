// A global TensorFlow.js MLP: trained once across many series on lagged windows, each window
// normalised by its own mean and standard deviation so products of any size share one model;
// then applied per product with a single forward pass. Intervals come from the quantiles of
// its errors on held-out (calibration) windows.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mean, quantile, standardDeviation } from 'simple-statistics';
import type { FittedModel, ForecastModel, ForecastPoint } from './types.js';
import { mulberry32 } from '../../core/random.js';

export interface NeuralOptions {
  /** Input window length (buckets); cover at least one season, better two. */
  lags: number;
  /** Steps predicted at once (direct multi-output); forecasts may ask for fewer, not more. */
  horizon: number;
  hidden?: number;
  epochs?: number;
  seed?: number;
  /** Share of each series' windows (its most recent) held out to calibrate the intervals. */
  calibrationShare?: number;
  /** Training windows kept at most (an even subsample beyond), to bound training time. */
  maxWindows?: number;
}

export interface NeuralForecaster {
  readonly lags: number;
  readonly horizon: number;
  predict(series: readonly number[], horizon?: number): ForecastPoint[];
  dispose(): void;
}

let backend: Promise<void> | undefined;

/** WASM backend (tfjs-node cannot be installed); falls back to the pure-JS CPU backend. */
function ensureBackend(): Promise<void> {
  backend ??= tf.setBackend('wasm').then(async (ok) => { if (!ok) await tf.setBackend('cpu'); await tf.ready(); });
  return backend;
}

interface Window { input: number[]; target: number[]; loc: number; scale: number }

/** Mean and standard deviation of the input window; a flat window is scaled by 1. */
function normaliser(input: readonly number[]): { loc: number; scale: number } {
  const loc = mean(input as number[]);
  const sd = standardDeviation(input as number[]);
  return { loc, scale: sd > 0 ? sd : 1 };
}

/** Left-pads a short history with its first value so any series can be fed to the network. */
function lastWindow(series: readonly number[], lags: number): number[] {
  if (!series.length) throw new RangeError('cannot forecast an empty series');
  const tail = series.slice(-lags);
  return [...Array<number>(lags - tail.length).fill(tail[0]), ...tail];
}

function windowsOf(y: readonly number[], lags: number, horizon: number): Window[] {
  const out: Window[] = [];
  for (let t = lags; t + horizon <= y.length; t++) {
    const raw = y.slice(t - lags, t);
    const { loc, scale } = normaliser(raw);
    out.push({ input: raw.map((v) => (v - loc) / scale), target: y.slice(t, t + horizon).map((v) => (v - loc) / scale), loc, scale });
  }
  return out;
}

/** Seeded Fisher–Yates, so training is repeatable. */
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

export async function trainGlobal(seriesList: readonly (readonly number[])[], opts: NeuralOptions): Promise<NeuralForecaster> {
  const { lags, horizon, hidden = 32, epochs = 40, seed = 1, calibrationShare = 0.2, maxWindows = 2000 } = opts;
  await ensureBackend();
  const train: Window[] = [];
  const calib: Window[] = [];
  for (const y of seriesList) {
    const ws = windowsOf(y, lags, horizon);
    const cut = Math.floor(ws.length * (1 - calibrationShare));
    train.push(...ws.slice(0, cut));
    calib.push(...ws.slice(cut));
  }
  if (train.length < 10) throw new RangeError(`too little data to train: ${train.length} windows of ${lags}+${horizon} buckets`);
  const data = shuffled(evenSubsample(train, maxWindows), seed);

  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const net = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [lags], units: hidden, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ units: horizon, kernelInitializer: init(3) }),
    ],
  });
  net.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const xs = tf.tensor2d(data.map((w) => w.input));
  const ys = tf.tensor2d(data.map((w) => w.target));
  await net.fit(xs, ys, { epochs, batchSize: 256, shuffle: false, verbose: 0 });
  xs.dispose();
  ys.dispose();

  const run = (inputs: number[][]): number[][] => tf.tidy(() => (net.predict(tf.tensor2d(inputs)) as tf.Tensor2D).arraySync());

  // Normalised errors per step on windows the network did not train on (its own training windows
  // when there are too few of those, which makes the intervals optimistic).
  const cal = calib.length >= 20 ? calib : data;
  const preds = run(cal.map((w) => w.input));
  const quantiles = Array.from({ length: horizon }, (_, k) => {
    const errs = cal.map((w, i) => w.target[k] - preds[i][k]);
    const [q025, q10, q90, q975] = quantile(errs, [0.025, 0.1, 0.9, 0.975]);
    return { q025, q10, q90, q975 };
  });

  return {
    lags,
    horizon,
    predict(series, h = horizon) {
      if (h > horizon) throw new RangeError(`model was trained for a horizon of ${horizon}, asked for ${h}`);
      const raw = lastWindow(series, lags);
      const { loc, scale } = normaliser(raw);
      const out = run([raw.map((v) => (v - loc) / scale)])[0];
      return Array.from({ length: h }, (_, k) => {
        const yhat = loc + scale * out[k];
        const q = quantiles[k];
        return { step: k + 1, yhat, lo80: yhat + scale * q.q10, hi80: yhat + scale * q.q90, lo95: yhat + scale * q.q025, hi95: yhat + scale * q.q975 };
      });
    },
    dispose: () => net.dispose(),
  };
}

/** The trained network as a ForecastModel: nothing to fit per series, it is already global. */
export function neuralModel(net: NeuralForecaster): ForecastModel {
  const fitted: FittedModel = { forecast: (history, horizon) => net.predict(history, horizon) };
  return { name: 'mlp-global', fit: () => fitted };
}
