/** Which latent-editor sliders are listed, and the moved ones that are not. */
import type { LatentGuide, SliderValue } from '../worker/protocol';

/** The slider ids the latent editor lists for the guide's classes. */
export function listedSliders(toward: number, guide: LatentGuide): string[] {
  return [`toward-${toward}`, ...guide.separating.map((d) => `dim-${d.index}`), ...guide.principalStd.map((_, j) => `pc-${j}`), 'residual'];
}

/** Moved sliders the editor does not list (from a link, or set for other classes): shown apart, so that none moves z unseen. */
export function unlistedSliders(sliders: SliderValue[], toward: number, guide: LatentGuide): (SliderValue & { min: number; max: number })[] {
  const listed = new Set(listedSliders(toward, guide));
  return sliders
    .filter((s) => !listed.has(s.direction))
    .map((s) => {
      // "toward" amounts are fractions of the way; the others are latent units.
      const reach = s.direction.startsWith('toward-') ? 1.5 : Math.max(3, 2 * Math.abs(s.amount));
      return { ...s, min: s.direction.startsWith('toward-') ? 0 : -reach, max: reach };
    });
}
