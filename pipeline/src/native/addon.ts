/**
 * The native kernels (pipeline/native/src/, built at install by build.ts), as
 * typed functions. Every kernel takes the ArrayBuffer holding its tensors (the
 * wasm backend's memory) and a Float64Array of offsets and sizes. Whether they
 * are in use is decided once per process by the backend selection
 * (runtime/backend.ts): `activeAddon()` is null on the pure-wasm path.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { addonFile, type NativeStatus, readStatus } from './build.ts';

export interface Addon {
  /** JSON: {"onednn": "2.6.3", "isa": "avx512_core"}. */
  info(): string;
  convForward(heap: ArrayBufferLike, args: Float64Array): void;
  convBackwardData(heap: ArrayBufferLike, args: Float64Array): void;
  convBackwardWeights(heap: ArrayBufferLike, args: Float64Array): void;
  matMul(heap: ArrayBufferLike, args: Float64Array): void;
  adam(heap: ArrayBufferLike, args: Float64Array): void;
  /** K full-batch Adam steps of R MLPs of one shape (native/src/mlp.cc; train/fused-mlp.ts lays out its arguments). */
  mlpEnsembleTrain(heap: ArrayBufferLike, args: Float64Array): void;
  maxPoolBackward(heap: ArrayBufferLike, args: Float64Array): void;
  sumRows(heap: ArrayBufferLike, args: Float64Array): void;
  reluGrad(heap: ArrayBufferLike, args: Float64Array): void;
  softmaxCrossEntropy(heap: ArrayBufferLike, args: Float64Array): void;
  softmaxCrossEntropyGrad(heap: ArrayBufferLike, args: Float64Array): void;
}

let loaded: { addon: Addon | null; reason: string } | null = null;
let active = false;

/** The built addon, loaded once, or null with the reason (never built, or its build failed). */
export function loadAddon(): { addon: Addon | null; reason: string } {
  if (loaded) return loaded;
  const status: NativeStatus | null = readStatus();
  if (!status) loaded = { addon: null, reason: 'not built (npm run build:native)' };
  else if (!status.built) loaded = { addon: null, reason: status.reason };
  else if (!existsSync(addonFile)) loaded = { addon: null, reason: `${addonFile} is missing (npm run build:native)` };
  else {
    try {
      loaded = { addon: createRequire(import.meta.url)(addonFile) as Addon, reason: '' };
    } catch (err) {
      loaded = { addon: null, reason: `cannot load ${addonFile}: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  return loaded;
}

/** Turns the native kernels on or off for this process (the backend selection does). */
export function setAddonActive(on: boolean): void {
  active = on && loadAddon().addon !== null;
}

/** The addon when the native kernels are in use, else null. */
export function activeAddon(): Addon | null {
  return active ? loadAddon().addon : null;
}
