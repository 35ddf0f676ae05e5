import { applyEdits, type LatentEdit, type PrincipalDirections } from '../explain/latentEdit';
import type { GenerativeClassifier } from '../flow/classifier';
import type { SliderValue } from './protocol';

/**
 * Sliders → latent edits: "toward" sliders leave class `from` (1 = all the way); the others move
 * along their own direction. The residual slider counts once the principal directions are known.
 */
export async function editLatent(
  model: Pick<GenerativeClassifier, 'spec' | 'mixture'>,
  z: Float32Array,
  from: number,
  sliders: SliderValue[],
  principal: PrincipalDirections | undefined,
): Promise<Float32Array> {
  const edits: LatentEdit[] = sliders
    .filter(({ direction }) => principal || direction.kind !== 'residual')
    .map(({ direction, amount }) => ({ direction: direction.kind === 'toward' ? { kind: 'toward', from, to: direction.to } : direction, amount }));
  return applyEdits(model, z, edits, principal);
}
