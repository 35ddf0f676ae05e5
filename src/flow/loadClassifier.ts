import { type LoadProgress, loadModelPackage, type PackageFiles } from '../formats/modelPackage';
import { GenerativeClassifier } from './classifier';
import { WeightStore } from './weightStore';

/** Loads a model package (plain arrays) and builds the classifier's tensors on the active backend. */
export async function loadClassifier(files: PackageFiles, onProgress?: LoadProgress): Promise<GenerativeClassifier> {
  const { spec, weights } = await loadModelPackage(files, onProgress);
  return GenerativeClassifier.build(spec, new WeightStore(weights));
}
