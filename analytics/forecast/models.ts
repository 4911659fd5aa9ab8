// The statistical models every forecast runs (seasonal naive, the floor, is added by the engine;
// the global MLP joins them where one has been trained).
import { stlEts } from './decomposed.js';
import { ets } from './ets.js';
import { theta } from './theta.js';
import type { ForecastModel } from './types.js';

export const STATISTICAL_MODELS: readonly ForecastModel[] = [ets, stlEts, theta];
