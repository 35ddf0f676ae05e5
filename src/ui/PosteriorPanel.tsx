import { ModelSummary } from './ModelSummary';
import { Panel } from './Panel';
import { useApp } from './storeContext';

const MAX_BARS = 12;

export function PosteriorPanel() {
  const classification = useApp((s) => s.classification);
  const spec = useApp((s) => s.model?.spec);
  const classifying = useApp((s) => s.classifying);
  // Once the start is over: the backend failed, or a load did and no earlier model stands.
  const noModel = useApp((s) => Boolean(s.backendFailure) || (s.models.length > 0 && !s.model && !s.loading));
  const result = classification?.result;
  const context = {
    classes: spec ? `all ${spec.classes.length} classes` : 'none yet',
    method: 'exact p(y|x) and log p(x|y) from z = f(x) and the Gaussian mixture; bits/dim and −log p(x) against the training data',
  };

  return (
    <Panel id="posterior" title="Posterior" exportName="posterior" busy={classifying && !!result} context={context}>
      {result && spec ? (
        <ModelSummary result={result} spec={spec} maxBars={MAX_BARS} />
      ) : (
        <p className="hint">{classifying ? 'Classifying…' : noModel ? 'No model is loaded.' : 'Choose an input to see p(y|x), log p(x|y) and bits/dim.'}</p>
      )}
    </Panel>
  );
}
