import type { GenerativeClassifier } from '../flow/classifier';
import { applyEdits, residualStrength, type LatentEdit, type PrincipalDirections } from '../explain/latentEdit';
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
  let residualAmount = 0;
  for (const { direction, amount } of sliders) {
    const m = /^(toward|dim|pc)-(\d+)$/.exec(direction);
    if (direction === 'residual') residualAmount += amount;
    else if (!m) throw new Error(`the latent editor has no slider "${direction}"`);
    else if (m[1] === 'toward') edits.push({ direction: { kind: 'toward', from, to: Number(m[2]) }, amount });
    else if (m[1] === 'dim') edits.push({ direction: { kind: 'dimension', index: Number(m[2]) }, amount });
    else edits.push({ direction: { kind: 'principal', index: Number(m[2]) }, amount });
  }
  const edited = await applyEdits(model, z, edits, principal);
  if (residualAmount === 0 || !principal) return edited;
  // The residual of the original z, so sliders stay independent of each other.
  const { directions, count, dims, center } = principal;
  const { coordinates } = residualStrength(principal, z);
  const out = Float64Array.from(edited);
  for (let i = 0; i < dims; i++) {
    let explained = 0;
    for (let j = 0; j < count; j++) explained += coordinates[j] * directions[j * dims + i];
    out[i] += residualAmount * (z[i] - center[i] - explained);
  }
  return Float32Array.from(out);
}
