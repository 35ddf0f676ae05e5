"""The trust report's metrics computed by evaluate.py's own functions, for the tests that check
the app's numbers against them.

Reads JSON on stdin:
  labels          [N] class index per labelled image
  logits          [N][K] float32 logits (posterior = evaluate.softmax in float64), or instead
  predicted, confidence, classes
                  [N] top-1 class and its p(y|x), K classes: calibration() reads only the top-1
                  class and probability of each row, so a row holding them is the same input
  in_neg_log_px, out_neg_log_px   -log p(x) of the in- and out-of-distribution images
  mean            m of the typicality score |-log p(x) - m|
Writes JSON: accuracy, ece, bins, auroc (null when a part is missing).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import auroc, calibration, softmax  # noqa: E402


def probabilities(spec):
    if 'logits' in spec:
        return softmax(np.asarray(spec['logits'], dtype=np.float32).astype(np.float64))
    predicted = np.asarray(spec['predicted'], dtype=np.int64)
    confidence = np.asarray(spec['confidence'], dtype=np.float64)
    k = int(spec['classes'])
    rest = (1 - confidence) / (k - 1)
    probs = np.repeat(rest[:, None], k, axis=1)
    probs[np.arange(len(predicted)), predicted] = confidence
    return probs


def main():
    spec = json.load(sys.stdin)
    out = {'accuracy': None, 'ece': None, 'bins': None, 'auroc': None}
    labels = np.asarray(spec.get('labels', []), dtype=np.int64)
    if len(labels):
        probs = probabilities(spec)
        out['accuracy'] = float((probs.argmax(1) == labels).mean())
        ece, bins = calibration(probs, labels)
        out['ece'] = float(ece)
        out['bins'] = bins
    if spec.get('in_neg_log_px') and spec.get('out_neg_log_px'):
        m = float(spec['mean'])
        scores_in = np.abs(np.asarray(spec['in_neg_log_px'], dtype=np.float64) - m)
        scores_out = np.abs(np.asarray(spec['out_neg_log_px'], dtype=np.float64) - m)
        out['auroc'] = auroc(scores_in, scores_out)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
