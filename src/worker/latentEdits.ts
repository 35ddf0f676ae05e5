import type { GenerativeClassifier } from '../flow/classifier';
import { applyEdits, type LatentEdit, type PrincipalDirections } from '../explain/latentEdit';
import type { SliderValue } from './protocol';

/**
 * Slider ids → latent edits: toward-<b> moves from class `from` toward b (1 = all the way),
 * dim-<i> adds to latent dimension i, pc-<j> moves along principal direction j of the class
 * means, residual scales the part of z the means do not explain (−1 removes it, +1 doubles it).
 */
export async function editLatent(
  model: Pick<GenerativeClassifier, 'spec' | 'mixture'>,
  z: Float32Array,
  from: number,
  sliders: SliderValue[],
  principal: PrincipalDirections | undefined,
): Promise<Float32Array> {
  const edits: LatentEdit[] = [];
  for (const { direction, amount } of sliders) {
    const m = /^(toward|dim|pc)-(\d+)$/.exec(direction);
    // The residual slider exists once the principal directions are known.
    if (direction === 'residual') {
      if (principal) edits.push({ direction: { kind: 'residual' }, amount });
    } else if (!m) throw new Error(`the latent editor has no slider "${direction}"`);
    else if (m[1] === 'toward') edits.push({ direction: { kind: 'toward', from, to: Number(m[2]) }, amount });
    else if (m[1] === 'dim') edits.push({ direction: { kind: 'dimension', index: Number(m[2]) }, amount });
    else edits.push({ direction: { kind: 'principal', index: Number(m[2]) }, amount });
  }
  return applyEdits(model, z, edits, principal);
}
