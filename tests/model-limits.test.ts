import { describe, expect, it } from 'vitest';
import type { WeightCheck } from '../src/flow/layers/definition';
import { checkSubnet, type SubnetOpSpec } from '../src/flow/layers/subnet';
import { ModelSpecError } from '../src/formats/jsonFields';

/** A manifest where every weight exists with the shape given here. */
const manifest =
  (shapes: Record<string, number[]>): WeightCheck =>
  (_path, name) => ({ name, shape: shapes[name], dtype: 'float32' });
const conv = (weight: string, stride = 1, padding = 1): SubnetOpSpec => ({ op: 'conv', weight, stride, padding });

describe('subnet cost limits', () => {
  it('refuses an activation past 2^24 values, which the weights alone would not show', () => {
    const need = manifest({ wide: [3, 3, 2, 64], back: [1, 1, 64, 2] });
    const ops = [conv('wide'), { op: 'relu' } as const, conv('back', 1, 0)];
    expect(() => checkSubnet(ops, 'layers[0].subnet', [1024, 1024, 2], [1024, 1024, 2], need)).toThrow(
      new ModelSpecError(
        'layers[0].subnet[0]',
        'is 67108864; GC Lens accepts at most 16777216 (values in one subnet activation; this conv outputs 1024x1024x64)',
      ),
    );
    expect(() => checkSubnet(ops, 'layers[0].subnet', [224, 224, 2], [224, 224, 2], need)).not.toThrow();
  });

  it('refuses a kernel larger than the map, and a strided subnet that does not halve it', () => {
    const need = manifest({ big: [9, 9, 4, 8], k3: [3, 3, 4, 8] });
    expect(() => checkSubnet([conv('big', 1, 0)], 's', [6, 6, 4], [6, 6, 8], need)).toThrow(
      new ModelSpecError('s[0].weight', 'its 9x9 kernel does not fit the 6x6 input'),
    );
    expect(() => checkSubnet([conv('k3', 2, 1)], 's', [12, 12, 4], [6, 6, 8], need)).not.toThrow();
    expect(() => checkSubnet([conv('k3', 3, 1)], 's', [12, 12, 4], [6, 6, 8], need)).toThrow(
      new ModelSpecError('s', 'turns the 12x12 input into 4x4, the coupling needs 6x6'),
    );
  });
});
