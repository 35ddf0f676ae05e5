/** The same attack over a list of images: how often it succeeds, and whether typicality detects it. */
import type { GenerativeClassifier } from '../flow/classifier';
import { type AttackProgress, type AttackSettings, attackImage } from './attack';
import { auroc } from './auroc';

type Model = Parameters<typeof attackImage>[0] & Pick<GenerativeClassifier, 'spec'>;

export interface BatchAttackImage {
  cleanClass: number;
  attackedClass: number;
  /** The 8-bit rounded attack reached its goal. */
  flipped: boolean;
  /** −log p(x) in nats, clean and attacked (8-bit rounded). */
  cleanNll: number;
  attackedNll: number;
}

export interface BatchAttackReport {
  settings: AttackSettings;
  images: BatchAttackImage[];
  /** Images already decided as the target (targeted attacks) are left out of the success rate. */
  attacked: number;
  successRate: number;
  /**
   * Typicality detection of attacked against clean images: the AUROC of |−log p(x) − mean| with the
   * card's in-distribution mean (training/evaluate.py's score); null without card statistics.
   */
  typicalityAuroc: number | null;
}

/** starts: 8-bit images in pixel units (NHWC); typicalityMean: the card's mean of −log p(x), or null. */
export async function attackBatch(
  model: Model,
  starts: Float32Array[],
  settings: AttackSettings,
  typicalityMean: number | null,
  options: AttackProgress = {},
): Promise<BatchAttackReport> {
  if (starts.length === 0) throw new RangeError('the batch attack needs at least one image');
  const images: BatchAttackImage[] = [];
  for (const [i, start] of starts.entries()) {
    const r = await attackImage(model, start, settings, {
      signal: options.signal,
      onStep: (done) => options.onStep?.(i * settings.steps + done, starts.length * settings.steps),
    });
    images.push({
      cleanClass: r.cleanClass,
      attackedClass: r.rounded.predicted,
      flipped: r.rounded.flipped,
      cleanNll: -r.clean.logEvidence,
      attackedNll: -r.rounded.logEvidence,
    });
  }
  const counted = images.filter((im) => settings.target === null || im.cleanClass !== settings.target);
  const score = (nll: number) => Math.abs(nll - (typicalityMean as number));
  return {
    settings,
    images,
    attacked: counted.length,
    successRate: counted.length ? counted.filter((im) => im.flipped).length / counted.length : Number.NaN,
    typicalityAuroc:
      typicalityMean === null
        ? null
        : auroc(
            images.map((im) => score(im.cleanNll)),
            images.map((im) => score(im.attackedNll)),
          ),
  };
}
