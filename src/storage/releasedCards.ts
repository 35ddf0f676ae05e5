/** Names and model cards for the authors' released ImageNet checkpoints, recognized by file name. */
import type { ModelCardMetric, ModelSpec } from '../formats/modelSpec';

const PAPER = 'Mackowiak, Ardizzone, Köthe, Rother: Generative Classifiers as a Basis for Trustworthy Image Classification, CVPR 2021';

/** The paper's ImageNet top-1 accuracy (%) per β; none is reported for β = 0. */
const REPORTED_TOP1: Record<string, number | null> = {
  '0': null,
  '1': 67.3,
  '2': 71.73,
  '4': 73.69,
  '8': 74.59,
  '16': 75.54,
  '32': 76.18,
  inf: 76.27,
};

export const RELEASED_CAVEAT =
  "Users of the authors' repository report that the downloadable checkpoints reproduce the paper's accuracy only for some β: " +
  'about 74.4 % for β = ∞, about 36.8 % for β = 32 and near chance for the others ' +
  '(github.com/RayDeeA/ibinn_imagenet, issue 7). Measure before relying on the reported numbers.';

export interface ReleasedModel {
  /** '0', '1', … '32' or 'inf'. */
  beta: string;
  name: string;
  description: string;
  card: ModelSpec['card'];
}

/** Matches beta_<b>.avg.pt, also with a prefix such as trustworthy_gc_. */
const RELEASED_FILE = /(?:^|[^a-z0-9])beta_(0|1|2|4|8|16|32|inf)\.avg\.pt$/i;

/** The released model a file name denotes, or null for any other file. */
export function releasedModel(fileName: string): ReleasedModel | null {
  const match = RELEASED_FILE.exec(fileName);
  if (!match) return null;
  const beta = match[1].toLowerCase();
  const symbol = beta === 'inf' ? '∞' : beta;
  const top1 = REPORTED_TOP1[beta];
  const reported: ModelCardMetric[] =
    top1 === null ? [] : [{ name: 'ImageNet top-1 accuracy', value: top1, unit: '%', definition: 'ILSVRC 2012 validation set', source: PAPER }];
  return {
    beta,
    name: `Generative classifier, ImageNet, β = ${symbol}`,
    description: `The authors' released ImageNet checkpoint trained with β = ${symbol} (${PAPER}).`,
    card: { reported, measured: [], caveats: [RELEASED_CAVEAT] },
  };
}
