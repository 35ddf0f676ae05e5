import * as tf from '@tensorflow/tfjs';

/**
 * out[s] = Σ_{i: ids[i] = s} x[i] in one pass; ids outside [0, numSegments) are dropped, as in tfjs.
 * tfjs-backend-cpu's own kernel loops over segments (O(segments × size)); the gradient of every
 * gather in the flow (its channel and latent permutations) runs through it, which made one
 * gradient of the mini model take seconds.
 */
const linearSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const b = backend as tf.KernelBackend;
  const values = b.readSync(x.dataId) as Float32Array | Int32Array;
  const ids = b.readSync(segmentIds.dataId) as Int32Array;
  const inner = values.length / Math.max(1, ids.length);
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) out[to + j] += values[from + j];
  }
  const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  return { dataId: b.write(out, shape, x.dtype), shape, dtype: x.dtype };
};

let registered = false;

/** Replaces tfjs-cpu's UnsortedSegmentSum with the linear-time one above (same results). */
export function useLinearSegmentSumOnCpu(): void {
  if (registered) return;
  registered = true;
  tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'cpu', kernelFunc: linearSegmentSum });
}
