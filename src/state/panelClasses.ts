/** The classes each panel uses for the current image: every panel resolves its own choice. */
import type { AppState } from './appState';
import { type ResolvedClasses, resolveClasses } from './resultView';

export interface PanelClasses {
  /** The map's explained class and its contrast. */
  map: ResolvedClasses;
  /** The latent editor's edits start from `from`; "toward" sliders lead to `toward`. */
  latent: { from: number; toward: number };
  /** The class the samples are drawn from. */
  samples: number;
}

type Choices = Pick<AppState['view'], 'target' | 'contrast' | 'latent'> & { sampling: Pick<AppState['view']['sampling'], 'target'> };

/** null until an image is classified. */
export function panelClasses(classification: AppState['classification'], view: Choices): PanelClasses | null {
  if (!classification) return null;
  const posterior = classification.result.posterior.subarray(0, classification.result.classes);
  const latent = resolveClasses(posterior, view.latent.from, view.latent.toward);
  return {
    map: resolveClasses(posterior, view.target, view.contrast),
    latent: { from: latent.a, toward: latent.toward },
    samples: resolveClasses(posterior, view.sampling.target, 'predicted').a,
  };
}

export const panelClassesOf = (s: AppState): PanelClasses | null => panelClasses(s.classification, s.view);
