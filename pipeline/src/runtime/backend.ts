/**
 * Compute backend selection. In order: `tensorflow` (native, from the
 * optional @tensorflow/tfjs-node-gpu; GPU where CUDA is present),
 * `wasm+onednn` (the wasm backend with the native kernels built at install
 * from pipeline/native, where a compiler and oneDNN were present), `wasm`
 * (SIMD, ships in its npm package), `cpu` (plain JavaScript). HW1_BACKEND
 * names one explicitly; then failing to load it is an error, not a fallback.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../core/errors.ts';
import type { BackendInfo } from '../core/stage.ts';
import { loadAddon, setAddonActive } from '../native/addon.ts';
import { registerNativeKernels, unregisterNativeKernels } from './native-kernels.ts';
import { registerWasmTrainingKernels } from './wasm-kernels.ts';

export const backendNames = ['tensorflow', 'wasm+onednn', 'wasm', 'cpu'] as const satisfies ReadonlyArray<BackendInfo['name']>;
export type BackendName = BackendInfo['name'];

async function load(name: BackendName): Promise<BackendInfo> {
  switch (name) {
    case 'tensorflow': {
      // A string variable keeps bundlers and type checking away from the optional package.
      const pkg = '@tensorflow/tfjs-node-gpu';
      await import(pkg);
      await activate('tensorflow');
      return { name, detail: `native TensorFlow via ${pkg} ${tf.version_core}` };
    }
    case 'wasm+onednn': {
      const { addon, reason } = loadAddon();
      if (!addon) throw new Error(`no native kernels: ${reason}`);
      const { onednn, isa } = JSON.parse(addon.info()) as { onednn: string; isa: string };
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmTrainingKernels();
      registerNativeKernels(addon);
      setAddonActive(true);
      await activate('wasm');
      return { name, detail: `WebAssembly SIMD with native kernels (oneDNN ${onednn}, ${isa}), 1 thread, tfjs ${tf.version_core}` };
    }
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      // The native kernels go first, so that what remains is exactly the wasm path.
      unregisterNativeKernels();
      registerWasmTrainingKernels();
      setAddonActive(false);
      await activate('wasm');
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      return { name, detail: `WebAssembly${simd ? ' SIMD' : ''}, 1 thread, tfjs ${tf.version_core}` };
    }
    case 'cpu': {
      setAddonActive(false);
      await import('@tensorflow/tfjs-backend-cpu');
      await activate('cpu');
      return { name, detail: `plain JavaScript, tfjs ${tf.version_core}` };
    }
  }
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not initialise the ${name} backend`);
  await tf.ready();
}

/** Picks and activates the backend. `requested` defaults to HW1_BACKEND. */
export async function selectBackend(requested: string | undefined = process.env.HW1_BACKEND): Promise<BackendInfo> {
  // Production mode: no console banner advertising tfjs-node when the cpu backend first runs.
  tf.env().set('PROD', true);
  // The cpu backend must be registered for tfjs to fall back to it for kernels other backends lack.
  await import('@tensorflow/tfjs-backend-cpu');
  if (requested) {
    if (!(backendNames as readonly string[]).includes(requested)) {
      throw new InputError(`HW1_BACKEND="${requested}" is not a backend; expected one of ${backendNames.join(', ')}`);
    }
    try {
      return await load(requested as BackendName);
    } catch (err) {
      throw new InputError(`HW1_BACKEND=${requested} was requested but cannot be loaded: ${(err as Error).message}`);
    }
  }
  const failures: string[] = [];
  for (const name of backendNames) {
    try {
      return await load(name);
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no compute backend could be loaded:\n  ${failures.join('\n  ')}`);
}
