import type { LikelihoodMap } from '../worker/protocol';
import type { AppState } from './appState';
import { panelClassesOf } from './panelClasses';
import { entropy } from './resultView';
import { CHECK_RULES, mapExplanation } from './resultWords';
import { writeSliders } from './sliders';

/** The numbers on screen as plain JSON: enough to check them elsewhere. */
export function exportNumbers(s: AppState): unknown {
  const c = s.classification;
  const spec = s.model?.spec;
  if (!c || !spec) return { model: spec?.id ?? null, note: 'nothing is classified yet' };
  const k = c.result.classes;
  const classes = panelClassesOf(s);
  const map = s.map.status === 'done' ? s.map.value : null;
  return {
    model: spec.id,
    backend: c.backend,
    image: s.input?.galleryId ? { gallery: s.input.galleryId } : { name: s.input?.name ?? null },
    classes: spec.classes,
    posterior: Array.from(c.result.posterior.subarray(0, k)),
    logLikelihoodNats: Array.from(c.result.logLikelihood.subarray(0, k)),
    logEvidenceNats: c.result.logEvidence[0],
    bitsPerDim: c.result.bitsPerDim[0],
    entropyNats: entropy(c.result.posterior.subarray(0, k)),
    reconstructionMaxError: s.reconstruction?.maxError ?? null,
    explained: classes?.map,
    latentClasses: classes?.latent,
    map: map && {
      ...map.request,
      width: map.width,
      height: map.height,
      values: Array.from(map.values),
      check: map.check && checkWords(map.check),
      explains: mapExplanation(map, spec.classes),
    },
    sliders: writeSliders(s.view.sliders),
    counterfactualPosterior: s.counterfactual ? Array.from(s.counterfactual.posterior) : null,
    sampling: { ...s.view.sampling, classIndex: classes?.samples },
  };
}

/** The check as exports have always written it: its rule in words. */
function checkWords({ rule, ...numbers }: NonNullable<LikelihoodMap['check']>) {
  return { ...numbers, label: CHECK_RULES[rule] };
}
