/** The one place that puts the worker's structured results into words. */
import type { InputNote, LikelihoodMap } from '../worker/protocol';

/** A class's name, or "class y" where the model names none. */
export function className(classes: readonly string[], y: number): string {
  return classes[y] ?? `class ${y}`;
}

export function inputNoteText(note: InputNote): string {
  switch (note.kind) {
    case 'animated':
      return `“${note.name}” is animated (${note.frames} frames): its first frame is used.`;
    case 'downscaled': {
      const megapixels = ((note.width * note.height) / 1e6).toFixed(1);
      return (
        `“${note.name}” is ${note.width}×${note.height} pixels (${megapixels} MP); ` +
        `it was first downscaled to ${note.toWidth}×${note.toHeight} while decoding.`
      );
    }
    case 'transparent':
      return 'The image has transparent pixels: they are shown to the model on white.';
    case 'gray-for-color':
      return 'The image is grayscale; this color model sees the same gray in all three channels.';
    case 'color-for-gray':
      return 'The image is in color; this grayscale model sees its luma (0.299 R + 0.587 G + 0.114 B).';
  }
}

/** What a map explains, with its value, naming the request's classes. */
export function mapExplanation(map: Pick<LikelihoodMap, 'request' | 'explains'>, classes: readonly string[]): string {
  const { target, contrast } = map.request;
  const a = className(classes, target);
  const b = contrast === 'mean' ? 'the mean logit' : `logit(${className(classes, contrast)})`;
  const { explains } = map;
  switch (explains.kind) {
    case 'logit-difference':
      return `logit(${a}) − ${b} = ${explains.value.toFixed(4)}`;
    case 'occlusion':
      return `change of log p(x | ${a}) = ${explains.value.toFixed(1)} nats when a ${explains.patch}px patch is filled`;
    case 'likelihood-from-baseline':
      return `log p(x | ${a}) − log p(baseline | ${a}) = ${explains.value.toFixed(3)}`;
    case 'logit-difference-from-baseline':
      return `logit(${a}) − ${b}, from the baseline: ${explains.value.toFixed(4)}`;
  }
}

/** The sum rule a map's check tests. */
export const CHECK_RULES: Record<NonNullable<LikelihoodMap['check']>['rule'], string> = {
  'cell-sum': 'Σ cells = logit difference',
  completeness: 'completeness: Σ map = f(x) − f(baseline)',
};

/** How panel headings and exports name the classes a panel uses. */
export const quotedClass = (classes: readonly string[], y: number) => `“${className(classes, y)}”`;

export function mapClassWords(classes: readonly string[], { a, b }: { a: number; b: number | 'mean' }): string {
  return `${quotedClass(classes, a)} against ${b === 'mean' ? 'the mean over classes' : quotedClass(classes, b)}`;
}

export function latentClassWords(classes: readonly string[], { from, toward }: { from: number; toward: number }): string {
  return `from ${quotedClass(classes, from)} toward ${quotedClass(classes, toward)}`;
}
