/** The same attack over a list of images: how often it succeeds, and whether typicality detects it. */
import type { GenerativeClassifier } from '../flow/classifier';
import { type AttackProgress, type AttackSettings, attackImage } from './attack';
import { auroc, typicalityScore } from './trustMetrics';

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

export interface BatchAttackSummary {
  /** Images already decided as the target (targeted attacks) are left out of the success rate. */
  attacked: number;
  /** null when no image was attacked. */
  successRate: number | null;
  /**
   * Typicality detection of attacked against clean images: the AUROC of |−log p(x) − m| (training/evaluate.py's
   * score, attacked positive); null without a mean m.
   */
  typicalityAuroc: number | null;
}

/** starts: 8-bit images in pixel units (NHWC); one PGD attack each, in order. */
export async function attackBatch(model: Model, starts: Float32Array[], settings: AttackSettings, options: AttackProgress = {}): Promise<BatchAttackImage[]> {
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
  return images;
}

/** The success rate and the clean-against-attacked typicality AUROC; typicalityMean: the m of the score, or null. */
export function batchAttackSummary(images: readonly BatchAttackImage[], target: number | null, typicalityMean: number | null): BatchAttackSummary {
  const counted = images.filter((im) => target === null || im.cleanClass !== target);
  const score = (nll: number) => typicalityScore(nll, typicalityMean ?? 0);
  return {
    attacked: counted.length,
    successRate: counted.length ? counted.filter((im) => im.flipped).length / counted.length : null,
    typicalityAuroc:
      typicalityMean === null
        ? null
        : auroc(
            images.map((im) => score(im.cleanNll)),
            images.map((im) => score(im.attackedNll)),
          ),
  };
}
