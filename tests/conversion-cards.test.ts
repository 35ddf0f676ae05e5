import { describe, expect, it } from 'vitest';
import { RELEASED_CAVEAT, releasedModel } from '../src/storage/releasedCards';

describe('model cards of the released ImageNet checkpoints', () => {
  it.each([
    ['beta_1.avg.pt', 67.3],
    ['beta_2.avg.pt', 71.73],
    ['beta_4.avg.pt', 73.69],
    ['beta_8.avg.pt', 74.59],
    ['beta_16.avg.pt', 75.54],
    ['beta_32.avg.pt', 76.18],
    ['trustworthy_gc_beta_inf.avg.pt', 76.27],
  ])('%s carries the paper’s top-1 of %s %, the caveat and no measurements', (file, top1) => {
    const released = releasedModel(file)!;
    expect(released.card.reported).toHaveLength(1);
    expect(released.card.reported[0]).toMatchObject({ name: 'ImageNet top-1 accuracy', value: top1, unit: '%' });
    expect(released.card.reported[0].source).toContain('CVPR 2021');
    expect(released.card.measured).toEqual([]);
    expect(released.card.caveats).toEqual([RELEASED_CAVEAT]);
  });

  it('reports nothing for β = 0 but keeps the caveat', () => {
    const released = releasedModel('beta_0.avg.pt')!;
    expect(released.beta).toBe('0');
    expect(released.card).toEqual({ reported: [], measured: [], caveats: [RELEASED_CAVEAT] });
  });

  it('names the model by β', () => {
    expect(releasedModel('BETA_INF.AVG.PT')?.name).toBe('Generative classifier, ImageNet, β = ∞');
    expect(releasedModel('beta_16.avg.pt')?.description).toContain('β = 16');
  });

  it('the caveat cites the reproduction report', () => {
    expect(RELEASED_CAVEAT).toMatch(/74\.4 % for β = ∞.*36\.8 % for β = 32.*near chance.*RayDeeA\/ibinn_imagenet, issue 7/);
  });

  it.each(['beta_3.avg.pt', 'beta_8.pt', 'beta_8.avg.pt.zip', 'mybeta_8.avg.pt', 'mini_gc.zip.pt'])('ignores %s', (file) => {
    expect(releasedModel(file)).toBeNull();
  });
});
