import * as tf from '@tensorflow/tfjs';
import { type BackendName, chooseBackend } from '../../src/flow/backend';

/** Activates cpu or wasm in Node (the only two that run here). */
export async function activateNodeBackend(name: string): Promise<BackendName> {
  if (name !== 'cpu' && name !== 'wasm') throw new Error(`--backend must be wasm or cpu in Node, got "${name}"`);
  const choice = await chooseBackend([name]);
  tf.enableProdMode();
  return choice.name;
}
