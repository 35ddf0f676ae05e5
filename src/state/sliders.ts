/** Which latent-editor sliders are listed, and the moved ones that are not. */
import { formatSliderId, parseSliderId, type SliderId } from '../explain/sliderId';
import type { LatentGuide, SliderValue } from '../worker/protocol';
import type { PermalinkState } from './permalink';

/** The sliders the latent editor lists for the guide's classes. */
export function listedSliders(toward: number, guide: LatentGuide): SliderId[] {
  return [
    { kind: 'toward', to: toward },
    ...guide.separating.map((d): SliderId => ({ kind: 'dimension', index: d.index })),
    ...guide.principalStd.map((_, j): SliderId => ({ kind: 'principal', index: j })),
    { kind: 'residual' },
  ];
}

/** Moved sliders the editor does not list (from a link, or set for other classes): shown apart, so that none moves z unseen. */
export function unlistedSliders(sliders: SliderValue[], toward: number, guide: LatentGuide): (SliderValue & { min: number; max: number })[] {
  const listed = new Set(listedSliders(toward, guide).map(formatSliderId));
  return sliders
    .filter((s) => !listed.has(formatSliderId(s.direction)))
    .map((s) => {
      // "toward" amounts are fractions of the way; the others are latent units.
      const toward = s.direction.kind === 'toward';
      const reach = toward ? 1.5 : Math.max(3, 2 * Math.abs(s.amount));
      return { ...s, min: toward ? 0 : -reach, max: reach };
    });
}

/** Sliders as links and exported numbers write them. */
type WrittenSlider = PermalinkState['sliders'][number];

export function writeSliders(sliders: SliderValue[]): WrittenSlider[] {
  return sliders.map(({ direction, amount }) => ({ direction: formatSliderId(direction), amount }));
}

/** The written sliders whose ids this version has; the others are left out. */
export function readSliders(written: WrittenSlider[]): SliderValue[] {
  return written.flatMap(({ direction, amount }) => {
    const id = parseSliderId(direction);
    return id ? [{ direction: id, amount }] : [];
  });
}
