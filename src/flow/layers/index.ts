import { couplingLayer } from './coupling';
import { dctPoolLayer } from './dctPool';
import type { LayerDefinition } from './definition';
import { downsampleCouplingLayer } from './downsampleCoupling';
import { haarLayer } from './haar';
import { permutePrefixLayer } from './permutePrefix';

/** Adding a layer type: one definition file, one entry here. */
const DEFINITIONS = [couplingLayer, downsampleCouplingLayer, haarLayer, dctPoolLayer, permutePrefixLayer] as const;

type SpecOf<D> = D extends LayerDefinition<infer S> ? S : never;
/** One layer of model.json, as its definition parses it. */
export type LayerSpec = SpecOf<(typeof DEFINITIONS)[number]>;
export type LayerType = LayerSpec['type'];

/** Every layer type a model.json may use. */
export const LAYER_DEFINITIONS: readonly LayerDefinition<LayerSpec>[] = DEFINITIONS;

const BY_TYPE = new Map<string, LayerDefinition<LayerSpec>>(LAYER_DEFINITIONS.map((d) => [d.type, d]));

/** The definition of a layer type, or undefined for a type no definition has. */
export function layerDefinition(type: unknown): LayerDefinition<LayerSpec> | undefined {
  return typeof type === 'string' ? BY_TYPE.get(type) : undefined;
}
