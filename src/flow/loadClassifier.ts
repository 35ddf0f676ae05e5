import { loadModelPackage, type LoadProgress, type PackageFiles } from '../formats/modelPackage';
import { GenerativeClassifier } from './classifier';

/** Loads a model package and builds the classifier on the active backend. */
export async function loadClassifier(files: PackageFiles, onProgress?: LoadProgress): Promise<GenerativeClassifier> {
  const { spec, weights } = await loadModelPackage(files, onProgress);
  return GenerativeClassifier.build(spec, weights);
}
