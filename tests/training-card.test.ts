import { describe, expect, it } from 'vitest';
import { cardFromTraining } from '../tools/lib/trainingCard';

/** The smallest model_card.json evaluate.py writes, with the training fields under test. */
function evaluateCard(training: Record<string, unknown>) {
  return {
    model: { dataset: 'mnist' },
    training: { beta: 16, epochs_done: 6, train_seconds: 2300.6, ...training },
    measured: {
      n_test_images: 10000,
      test_accuracy: 0.9917,
      bits_per_dim: { value: 4.99, definition: 'd' },
      ece: { value: 0.063, definition: 'd' },
      reliability_bins: [],
      neg_log_px: { mean: -706, std: 200, unit: 'nats', definition: 'd' },
      typicality: { score: '|-log p(x) - m|' },
    },
    paper_reported: { values: null, note: 'No paper value.' },
  };
}

describe('model card from training/evaluate.py', () => {
  it('says when a model was fine-tuned from another, with both trainings', () => {
    const card = cardFromTraining(evaluateCard({ init_from: { package: 'mnist-beta16', beta: 16, epochs_done: 11, train_seconds: 3900.4 } }));
    expect(card.caveats).toEqual([
      'Fine-tuned: warm-started from mnist-beta16 (β = 16, 11 epochs, 3900 s), then trained at β = 16 for 6 more epochs, 2301 s.',
      'No paper value.',
    ]);
  });

  it('adds no such sentence for a model trained from scratch', () => {
    expect(cardFromTraining(evaluateCard({})).caveats).toEqual(['No paper value.']);
  });
});
