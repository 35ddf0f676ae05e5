import type { ModelSpec } from '../formats/modelSpec';
import type { ModelInputImage } from './protocol';

/** Undoes the normalization of one NHWC image so that it can be shown exactly as the model receives it. */
export function modelInputImage(x: Float32Array, spec: Pick<ModelSpec, 'input' | 'preprocessing'>): ModelInputImage {
  const { channels, height, width } = spec.input;
  const { mean, std } = spec.preprocessing;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) {
      const c = channels === 1 ? 0 : k;
      rgba[4 * i + k] = (x[i * channels + c] * std[c] + mean[c]) * 255;
    }
    rgba[4 * i + 3] = 255;
  }
  return { width, height, rgba };
}
