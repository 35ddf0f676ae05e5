import type { MapMethod } from '../explain/mapMethods';

export const METHOD_NAMES: Record<MapMethod, string> = {
  decomposition: 'Exact latent decomposition',
  'input-gradient': 'Input × gradient',
  'integrated-gradients': 'Integrated gradients',
  occlusion: 'Occlusion',
};

/** One paragraph per method: what the map is, so that its numbers can be checked. */
export const METHOD_DEFINITIONS: Record<MapMethod, string> = {
  decomposition:
    'With unit-covariance classes, logit_a − logit_b = Δ·(z − z₀) with Δ = μ_a − μ_b and z₀ on the decision boundary. ' +
    'The last feature grid F maps to z by a fixed linear map L (DCT pooling and permutations), so the difference is ' +
    'Σ over grid cells of (LᵀΔ)·(F − F₀): exact, with no approximation. The cells must sum to the logit difference; the check shows that they do.',
  'input-gradient':
    'x ⊙ ∇f(x) in normalized input space, whose zero is the mean color: a first-order estimate of how much each pixel adds to f ' +
    'compared with a mean-color image. f is log p(x|y) or the logit difference. ' +
    'Its sum equals f(x) − f(0) only where f is linear; the completeness error says how far off it is.',
  'integrated-gradients':
    '(x − x′) ⊙ the average gradient along the straight path from the baseline x′ (the mean color) to x, by the midpoint rule with m steps. ' +
    'Its sum equals f(x) − f(x′) up to the integration error, shown as the completeness error; more steps make it smaller.',
  occlusion:
    'Each patch of the image is filled with the fill value (0 is the mean color) and log p(x|y) is computed again. ' +
    'A pixel shows the mean change over the patches that cover it: negative where hiding the pixel makes the image less likely under the class.',
};
