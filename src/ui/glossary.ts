/**
 * One definition per quantity or idea the page shows: its name as shown, its unit, a line of help
 * and a longer note. The help component (Help.tsx) renders them; every place that shows a quantity
 * names its entry here, so that the words stay the same everywhere.
 */

export interface GlossaryEntry {
  /** As the page writes it. */
  name: string;
  /** Empty for unitless quantities. */
  unit: string;
  /** One plain line. */
  help: string;
  /** What to make of it; the why. */
  note: string;
}

const DENSITY_SIGN =
  'The image is normalised (each channel minus its mean, divided by its spread), so pixels are continuous values in a small range. ' +
  'A density over such a range can exceed 1, and its log then is positive: log p(x) of +1394 nats, i.e. −log p(x) = −1394, is normal here. ' +
  'Compare these numbers with each other and with the training data, not with zero.';

export const GLOSSARY = {
  generativeClassifier: {
    name: 'generative classifier',
    unit: '',
    help: 'A classifier that models how images of each class are distributed, p(x|y), and obtains p(y|x) from it by Bayes’ rule.',
    note:
      'Here an invertible network maps the image x to a latent z = f(x), where each class is a Gaussian around its mean μ_y. ' +
      'Because f is invertible, every number below is exact: the posterior, the likelihood of the image under each class, and images decoded back from any z.',
  },
  posterior: {
    name: 'p(y|x)',
    unit: '',
    help: 'The posterior: how probable each class is for this image, according to the model.',
    note: 'The probabilities of all classes sum to 1. Read them with the calibration panel: a well-calibrated model is right about 90 % of the time when it says 0.9.',
  },
  logLikelihood: {
    name: 'log p(x|y)',
    unit: 'nats',
    help: 'How likely this exact image is under class y’s distribution, as a log density.',
    note: `Higher is more likely. p(y|x) follows from these by Bayes’ rule with equal class priors. ${DENSITY_SIGN}`,
  },
  negativeLogEvidence: {
    name: '−log p(x)',
    unit: 'nats',
    help: 'How unlikely the image is under the model as a whole (all classes together); lower means more likely.',
    note: `${DENSITY_SIGN} Typicality compares it with the spread of −log p(x) over the training data.`,
  },
  bitsPerDim: {
    name: 'bits/dim',
    unit: 'bits/dim',
    help: 'The bits a perfect coder using this model would need per pixel and channel of the 8-bit image; lower means the image is more likely.',
    note:
      '−log p(x) converted to base 2, per dimension, and moved from normalised values back to 8-bit pixels, so that it is positive and comparable across models. ' +
      'An 8-bit channel stored raw takes 8 bits/dim.',
  },
  entropy: {
    name: 'entropy',
    unit: 'nats',
    help: 'How spread out the posterior is: 0 when one class has all the probability, log K (K classes) when all are equal.',
    note: 'H = −Σ p(y|x) log p(y|x). High entropy means the model cannot decide between classes; it is not the same as the image being unfamiliar (see typicality).',
  },
  typicality: {
    name: 'typicality',
    unit: '',
    help: 'Whether the image looks like the training data: −log p(x) against its mean and spread over held-out training-distribution images.',
    note:
      'z = (−log p(x) − mean) / std. Within ±2 is typical; beyond ±4 the image is far from anything the model was trained on, and its prediction should not be trusted, ' +
      'however confident p(y|x) is. A discriminative classifier cannot tell you this.',
  },
  typicalityScore: {
    name: 'z',
    unit: 'standard deviations',
    help: 'How many standard deviations −log p(x) lies from its mean on the training distribution.',
    note: 'Positive: less likely than usual; negative: more likely than usual (very plain images, such as a blank one, are often more likely than real ones).',
  },
  nats: {
    name: 'nats',
    unit: 'nats',
    help: 'The unit of natural logarithms: 1 nat = 1/ln 2 ≈ 1.44 bits.',
    note: 'Log densities and entropies here use the natural logarithm.',
  },
  beta: {
    name: 'β',
    unit: '',
    help: 'The training trade-off: small β favours modelling the images (likelihood, calibration, spotting unfamiliar inputs), large β favours accuracy.',
    note: 'The IB-INN loss of Mackowiak et al. weighs the class term by β. β → ∞ is a plain discriminative classifier; the paper finds β between 1 and 8 gives trustworthy posteriors at a small cost in accuracy.',
  },
  ece: {
    name: 'ECE',
    unit: '%',
    help: 'Expected calibration error: how far the model’s confidence is from its accuracy, averaged over the test set.',
    note: 'Test images are binned by their top p(y|x); ECE is the average gap between confidence and accuracy over the bins, weighted by their size. 0 % is perfectly calibrated.',
  },
  reliability: {
    name: 'reliability diagram',
    unit: '',
    help: 'Accuracy against confidence on held-out images: bars on the diagonal mean the model’s probabilities can be taken at their word.',
    note: 'Bars below the diagonal are over-confident, above it under-confident.',
  },
  accuracy: {
    name: 'accuracy',
    unit: '%',
    help: 'The share of test images whose most probable class is the true one.',
    note: 'Measured on the full held-out test set.',
  },
  auroc: {
    name: 'AUROC',
    unit: '',
    help: 'How well −log p(x) separates in-distribution images from unfamiliar ones: 1 is perfect, 0.5 is chance.',
    note: 'The area under the ROC curve of the typicality score |−log p(x) − mean| between the test set and an out-of-distribution set.',
  },
  reconstructionError: {
    name: '|x − x̂|',
    unit: 'on the [0, 1] pixel scale',
    help: 'The difference between the image and f⁻¹(f(x)): how exactly the network inverts, per pixel.',
    note: 'An invertible network reconstructs its input up to float32 rounding, about 1e-7 to 1e-5 of the pixel range; anything near 1e-2 would mean the inverse is wrong.',
  },
  logitDifference: {
    name: 'logit difference',
    unit: 'nats',
    help: 'logit(a) − logit(b): how much more the latent z belongs to class a than to b; p(a|x)/p(b|x) = e^difference.',
    note: 'The logits are −‖z − μ_y‖²/2. A positive difference favours a.',
  },
  latentFit: {
    name: '−½‖z′ − μ_y‖²',
    unit: 'nats',
    help: 'How close the edited latent z′ is to class y’s mean: the class term of log p(x′|y) (0 at the mean, more negative further away).',
    note: 'log p(x′|y) adds the same log|det J| and constant to every class, so the ranking and p(y|x′) follow from this term alone. Shown instead of log p(x′|y) because the edit decodes z′ without recomputing log|det J|.',
  },
  occlusion: {
    name: 'occlusion change',
    unit: 'nats',
    help: 'How much log p(x|y) drops (blue) or rises (red) when a patch of the image is hidden.',
    note: 'Each cell is the mean change of log p(x|y) over the patches that cover it; the total is given beside the map for scale.',
  },
  completeness: {
    name: 'completeness check',
    unit: '',
    help: 'An exact map’s cells must sum to the quantity it explains; the relative error says how close they come.',
    note: 'The exact latent decomposition sums to the logit difference up to float32 rounding; gradient maps sum to it only where the function is linear.',
  },
  latent: {
    name: 'z = f(x)',
    unit: '',
    help: 'The image’s latent code: the invertible network’s output, one number per pixel and channel.',
    note: 'Each class is a Gaussian in z with mean μ_y. Moving z and decoding x′ = f⁻¹(z′) shows what the model would need to see to change its mind: an exact counterfactual.',
  },
  separatingShare: {
    name: 'share of the logit difference',
    unit: '',
    help: 'How much this latent coordinate contributes to logit(a) − logit(b), as a fraction of the whole; the shares of all coordinates sum to 1.',
    note: 'Negative shares pull toward the other class.',
  },
  temperature: {
    name: 'T',
    unit: '',
    help: 'Sampling temperature: z = μ + T·ε. T = 1 samples the class Gaussian; smaller T stays nearer the class mean (cleaner, less varied images).',
    note: 'T = 0 decodes the class mean itself.',
  },
} satisfies Record<string, GlossaryEntry>;

export type Term = keyof typeof GLOSSARY;

export type MetricTerm = Extract<Term, 'accuracy' | 'bitsPerDim' | 'ece' | 'auroc'>;

/** Model-card metrics by what their names say, and the entry that explains each. */
const METRIC_TERMS: [RegExp, MetricTerm][] = [
  [/accuracy/i, 'accuracy'],
  [/bits per dim/i, 'bitsPerDim'],
  [/calibration error|\bECE\b/i, 'ece'],
  [/\bAUROC\b/, 'auroc'],
];

/** The entry for a model-card metric, or null for a metric this glossary does not know. */
export function metricTerm(name: string): MetricTerm | null {
  return METRIC_TERMS.find(([pattern]) => pattern.test(name))?.[1] ?? null;
}
