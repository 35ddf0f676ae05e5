import { describe, expect, it } from 'vitest';
import { CHECK_RULES, className, inputNoteText, mapExplanation } from '../src/state/resultWords';
import type { LikelihoodMap, MapRequest } from '../src/worker/protocol';

const classes = ['zero', 'one', 'two'];
const request = (target: number, contrast: MapRequest['contrast']) => ({ target, contrast }) as MapRequest;
const words = (explains: LikelihoodMap['explains'], contrast: MapRequest['contrast'] = 2) =>
  mapExplanation({ request: request(1, contrast), explains }, classes);

describe('the worker results in words', () => {
  it('names classes, or numbers those the model does not name', () => {
    expect(className(classes, 2)).toBe('two');
    expect(className(classes, 7)).toBe('class 7');
  });

  it('says what each map explains, with its value', () => {
    expect(words({ kind: 'logit-difference', value: 1.234567 })).toBe('logit(one) − logit(two) = 1.235');
    expect(words({ kind: 'logit-difference', value: -2 }, 'mean')).toBe('logit(one) − the mean logit = −2.000');
    // Occlusion's value is the unoccluded total, not a change: the words must say so.
    expect(words({ kind: 'occlusion', value: -812.345, patch: 8 })).toBe(
      'each cell: the mean change of log p(x | one) when a 8 px patch over it is filled; unoccluded, log p(x | one) = −812.3 nats',
    );
    expect(words({ kind: 'likelihood-from-baseline', value: 1.23456 })).toBe('log p(x | one) − log p(baseline | one) = 1.235 nats');
    expect(words({ kind: 'logit-difference-from-baseline', value: 0.5 }, 9)).toBe('logit(one) − logit(class 9), from the baseline: 0.5000');
    expect(CHECK_RULES).toEqual({ 'cell-sum': 'Σ cells = logit difference', completeness: 'completeness: Σ map = f(x) − f(baseline)' });
  });

  it('says what was done to an image on the way in', () => {
    expect(inputNoteText({ kind: 'animated', name: 'a.gif', frames: 12 })).toBe('“a.gif” is animated (12 frames): its first frame is used.');
    expect(inputNoteText({ kind: 'downscaled', name: 'big.png', width: 10000, height: 5000, toWidth: 1792, toHeight: 896 })).toBe(
      '“big.png” is 10000×5000 pixels (50.0 MP); it was first downscaled to 1792×896 while decoding.',
    );
    expect(inputNoteText({ kind: 'transparent' })).toMatch(/transparent pixels: they are shown to the model on white/);
    expect(inputNoteText({ kind: 'gray-for-color' })).toMatch(/grayscale; this color model/);
    expect(inputNoteText({ kind: 'color-for-gray' })).toMatch(/in color; this grayscale model sees its luma/);
  });
});
