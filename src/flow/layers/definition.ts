import { ArchitectureError } from '../../formats/architectureError';
import type { JsonObject } from '../../formats/jsonFields';
import type { WeightSpec } from '../../formats/modelSpec';
import type { TensorRecord } from '../../formats/torchTensor';
import type { WeightSink } from '../../formats/weightSink';
import type { InvertibleLayer } from '../layer';
import type { WeightStore } from '../weightStore';

/** Features between layers: [H, W, C] while image-shaped, [D] once flat. */
export type FeatureShape = readonly number[];

/** What every layer spec in model.json has; each definition adds its own fields. */
export interface LayerSpecBase {
  type: string;
  name: string;
}

/** A layer's input does not fit it. `field` is the spec key at fault, when one is. */
export class LayerShapeError extends Error {
  constructor(
    readonly field: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'LayerShapeError';
  }
}

/** Checks that a named weight exists with this shape (null: any) and dtype; returns its manifest entry. */
export type WeightCheck = (path: string, name: string, shape: (number | null)[], dtype?: WeightSpec['dtype']) => WeightSpec;

/** Facts the authors' checkpoints do not store, with the released models' values as defaults. */
export interface ArchitectureConstants {
  clamp: number;
  haarRebalance: number;
  dctRebalance: number;
  /** Seed of the PermuteRandom on z_fc. */
  latentPermutationSeed: number;
}

/** One `module_list.N` of the authors' state dict: its parameters by path below the node. */
export interface CheckpointNode {
  name: string;
  tensors: Map<string, TensorRecord>;
}

export interface CheckpointContext {
  constants: ArchitectureConstants;
  /** Receives each converted weight as soon as it is made. */
  sink: WeightSink;
}

/** How the authors' checkpoints store a layer type. */
export interface CheckpointMapping<S extends LayerSpecBase> {
  /** Whether a node's parameter names are this layer type's. */
  matches(node: CheckpointNode): boolean;
  /** The input channels a network starting with this node has (absent: it cannot start one). */
  inputChannels?(node: CheckpointNode): number;
  /** Reads the node into a spec, writing its weights to the sink. */
  convert(node: CheckpointNode, input: FeatureShape, context: CheckpointContext): Promise<S>;
}

/**
 * Everything about one layer type, in one place (as tfjs registers one config per kernel):
 * its model.json fields, shape rule, weights, runtime and checkpoint mapping.
 * Methods (not function properties) so that a definition of one spec type fits the registry's list.
 */
export interface LayerDefinition<S extends LayerSpecBase> {
  readonly type: S['type'];
  /** Reads the layer's own fields from untrusted model.json (types and ranges; weights are checked later). */
  parse(raw: JsonObject, path: string): S;
  /** The output shape for this input; throws LayerShapeError when the input does not fit. */
  outputShape(spec: S, input: FeatureShape): FeatureShape;
  /** Checks every weight the layer reads, against the input it gets. */
  checkWeights(spec: S, input: FeatureShape, need: WeightCheck, path: string): void;
  /** The runtime layer on the active tfjs backend. */
  build(spec: S, weights: WeightStore): InvertibleLayer;
  checkpoint?: CheckpointMapping<S>;
}

/** The channel split of every coupling: the first part keeps the extra channel of an odd count. */
export function splitChannels(channels: number): { len1: number; len2: number } {
  const len2 = Math.floor(channels / 2);
  return { len1: channels - len2, len2 };
}

/** An image-shaped input whose channels are the spec's. */
export function imageInput(spec: { type: string; channels: number }, input: FeatureShape): [number, number, number] {
  if (input.length !== 3) throw new LayerShapeError(null, `${spec.type} needs an image-shaped input, got [${input}]`);
  const [h, w, c] = input;
  if (spec.channels !== c) throw new LayerShapeError('channels', `is ${spec.channels} but the input has ${c} (at ${h}x${w})`);
  return [h, w, c];
}

/** Layers that halve the resolution need an even height and width. */
export function halvedInput(spec: { type: string; channels: number }, input: FeatureShape): FeatureShape {
  const [h, w, c] = imageInput(spec, input);
  if (h % 2 || w % 2) throw new LayerShapeError(null, `needs an even height and width, got ${h}x${w}`);
  return [h / 2, w / 2, 4 * c];
}

/** Whether a node has a parameter under this path prefix (e.g. `s.` for a subnet). */
export const hasPrefix = (node: CheckpointNode, prefix: string): boolean => [...node.tensors.keys()].some((k) => k.startsWith(prefix));

/** A node's parameter, which must have exactly this shape. */
export function nodeTensor(node: CheckpointNode, key: string, shape: number[]): TensorRecord {
  const t = node.tensors.get(key);
  if (!t) throw new ArchitectureError(`${node.name}.${key} is missing`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new ArchitectureError(`${node.name}.${key} has shape [${t.shape}], expected [${shape}]`);
  return t;
}
