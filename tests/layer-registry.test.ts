import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../src/flow/backend';
import { GenerativeClassifier } from '../src/flow/classifier';
import { LAYER_DEFINITIONS, layerDefinition } from '../src/flow/layers';
import { type CheckpointNode, LayerShapeError } from '../src/flow/layers/definition';
import { WeightStore } from '../src/flow/weightStore';
import { ArchitectureError, convertCheckpoint } from '../src/formats/convertCheckpoint';
import { loadModelPackage } from '../src/formats/modelPackage';
import type { TensorRecord } from '../src/formats/torchTensor';
import { validateModelSpec } from '../src/formats/validateModel';
import { MemoryWeightSink } from '../src/formats/weightSink';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';
import { convertFixture } from './helpers/convertFixture';

const MODELS = join(import.meta.dirname, '..', 'public', 'models');

describe('layer registry', () => {
  it('has one definition per type, and every bundled model uses only registered types', async () => {
    const types = LAYER_DEFINITIONS.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types.sort()).toEqual(['coupling', 'dct_pool', 'downsample_coupling', 'haar', 'permute_prefix']);
    const index = (JSON.parse(await readFile(join(MODELS, 'index.json'), 'utf8')) as { models: { path: string }[] }).models;
    expect(index.length).toBe(4);
    for (const entry of index) {
      const spec = JSON.parse(await readFile(join(MODELS, '..', entry.path, 'model.json'), 'utf8')) as { layers: { type: string }[] };
      expect(spec.layers.length).toBeGreaterThan(0);
      for (const layer of spec.layers) expect(layerDefinition(layer.type)?.type).toBe(layer.type);
    }
  });

  it('chains the reference mini model through each definition’s shape rule', async () => {
    const { spec } = await convertFixture('mini_gc.zip.pt');
    const shapes: (readonly number[])[] = [[48, 48, 3]];
    for (const layer of spec.layers) shapes.push(layerDefinition(layer.type)!.outputShape(layer, shapes[shapes.length - 1]));
    expect(shapes.map((s) => s.join('x'))).toEqual([
      '48x48x3',
      '24x24x12',
      '12x12x48',
      '12x12x48',
      '12x12x48',
      '12x12x48',
      '6x6x192',
      '6x6x192',
      '3x3x768',
      '3x3x768',
      '3x3x768',
      '6912',
      '6912',
    ]);
  });

  it('names the field at fault when an input does not fit a layer', () => {
    const haar = layerDefinition('haar')!;
    const spec = haar.parse({ type: 'haar', name: 'h', channels: 3, rebalance: 0.5 }, 'layers[0]');
    expect(() => haar.outputShape(spec, [5, 4, 3])).toThrow(new LayerShapeError(null, 'needs an even height and width, got 5x4'));
    const wrongChannels = (() => {
      try {
        haar.outputShape(spec, [4, 4, 2]);
      } catch (e) {
        return e as LayerShapeError;
      }
    })();
    expect(wrongChannels?.field).toBe('channels');
    expect(() => haar.outputShape(spec, [48])).toThrow('haar needs an image-shaped input, got [48]');
  });

  it('refuses a checkpoint node that no layer type recognizes, listing a few of its keys', async () => {
    const tensor = (shape: number[]): TensorRecord => ({
      kind: 'tensor',
      dtype: 'float32',
      shape,
      read: async () => new Float32Array(shape.reduce((a, b) => a * b, 1)),
      readFloat32: async () => new Float32Array(shape.reduce((a, b) => a * b, 1)),
    });
    const record = tensor([4]);
    const tensors = new Map(Array.from({ length: 9 }, (_, i) => [`odd_${i}`, record]));
    const node: CheckpointNode = { name: 'module_list.0', tensors };
    expect(LAYER_DEFINITIONS.filter((d) => d.checkpoint?.matches(node))).toEqual([]);
    const root = new Map<unknown, unknown>([
      ['inn', new Map([...tensors].map(([k, v]) => [`module_list.0.${k}`, v]))],
      ['mu', tensor([1, 2, 3])],
      ['mu_t', tensor([2, 1])],
      ['mu_m', tensor([1, 9])],
    ]);
    const failure = convertCheckpoint(root as never, new MemoryWeightSink(), { id: 'x', name: 'x', source: { name: 'x' } });
    await expect(failure).rejects.toBeInstanceOf(ArchitectureError);
    await expect(failure).rejects.toThrow('module_list.0 is no layer of this family (keys: odd_0, odd_1, odd_2, odd_3, odd_4, odd_5, … (9 in all))');
  });

  it('refuses a permutation weight that is not a permutation, naming it', async () => {
    await chooseBackend(['cpu']);
    const { dir } = await convertFixture('mini_gc.zip.pt');
    const { spec, weights } = await loadModelPackage(nodePackageFiles(dir));
    const name = spec.weightsManifest[0].weights.find((w) => w.dtype === 'int32')!.name;
    weights.int32(name)[1] = weights.int32(name)[0];
    expect(() => GenerativeClassifier.build(spec, new WeightStore(weights))).toThrow(`weight "${name}" is not a permutation`);
  });

  it('builds the typed spec from what it checked, dropping nothing the runtime reads', async () => {
    const { dir } = await convertFixture('mini_gc.zip.pt');
    const raw = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(validateModelSpec(raw)).toEqual(raw);
    expect(validateModelSpec({ ...raw, unknownKey: 1 })).not.toHaveProperty('unknownKey');
  });
});
