import { GenerativeClassifier } from '../../src/flow/classifier';
import { WeightStore } from '../../src/flow/weightStore';
import { convertCheckpoint } from '../../src/formats/convertCheckpoint';
import type { PyValue } from '../../src/formats/torchCheckpoint';
import { validateModelSpec } from '../../src/formats/validateModel';
import { WeightArrays } from '../../src/formats/weightArrays';
import { MemoryWeightSink, weightSpecFor } from '../../src/formats/weightSink';

/** Converts a checkpoint tree straight into a classifier, weights kept in memory (tests, benchmarks). */
export async function classifierFromCheckpoint(root: PyValue, id: string): Promise<GenerativeClassifier> {
  const sink = new MemoryWeightSink();
  const partial = await convertCheckpoint(root, sink, { id, name: id, source: { name: id } });
  const weights = [...sink.arrays].map(([name, a]) => weightSpecFor(name, a.data, a.shape, 'float32'));
  const spec = validateModelSpec({ ...partial, weightsManifest: [{ paths: ['memory'], weights }] });
  return GenerativeClassifier.build(spec, new WeightStore(new WeightArrays(sink.arrays)));
}
