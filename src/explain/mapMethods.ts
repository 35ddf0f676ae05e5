/** The vocabulary of likelihood maps, shared by the page (links, panels) and the worker (requests). */

export const MAP_METHODS = ['decomposition', 'input-gradient', 'integrated-gradients', 'occlusion'] as const;
export const MAP_OBJECTIVES = ['likelihood', 'contrast'] as const;
export type MapMethod = (typeof MAP_METHODS)[number];
/** What gradient maps differentiate: log p(x|y) or the contrast's logit difference. */
export type MapObjective = (typeof MAP_OBJECTIVES)[number];
