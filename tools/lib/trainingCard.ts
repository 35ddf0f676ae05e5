import type { ModelCardMetric, ModelSpec } from '../../src/formats/modelSpec';

/** What training/evaluate.py writes (model_card.json); only the fields the app shows are typed. */
interface TrainingCard {
  model: { dataset: string; trainable_parameters_incl_class_means?: number };
  training: { beta: number | string; epochs_done?: number; train_seconds?: number; hardware?: string; torch_version?: string; init_from?: WarmStart };
  measured: {
    n_test_images: number;
    test_accuracy: number;
    bits_per_dim: { value: number; value_with_true_dct_logdet?: number; definition: string };
    ece: { value: number; definition: string };
    reliability_bins: { count: number; mean_confidence: number | null; accuracy: number | null }[];
    neg_log_px: { mean: number; std: number; unit: string; definition: string };
    typicality: Record<string, unknown> & { score: string };
  };
  paper_reported?: { values: unknown; note?: string };
  datasets?: Record<string, string>;
  evaluated?: { date?: string; device?: string };
}

/** train.py --init: where the starting weights came from and how they had been trained. */
interface WarmStart {
  package?: string;
  checkpoint?: string;
  beta?: number | string;
  epochs_done?: number;
  train_seconds?: number;
}

/** One sentence for the card: a fine-tuned model says so, with both trainings' length. */
function warmStartCaveat(t: TrainingCard['training']): string[] {
  const w = t.init_from;
  if (!w) return [];
  const before = [
    w.beta === undefined ? null : `β = ${w.beta}`,
    w.epochs_done === undefined ? null : `${w.epochs_done} epochs`,
    w.train_seconds === undefined ? null : `${Math.round(w.train_seconds)} s`,
  ]
    .filter((part) => part !== null)
    .join(', ');
  const after = [t.epochs_done === undefined ? null : `${t.epochs_done} more epochs`, t.train_seconds === undefined ? null : `${Math.round(t.train_seconds)} s`]
    .filter((part) => part !== null)
    .join(', ');
  return [
    `Fine-tuned: warm-started from ${w.package ?? w.checkpoint}${before ? ` (${before})` : ''}, then trained at β = ${t.beta}${after ? ` for ${after}` : ''}.`,
  ];
}

/** Maps training/evaluate.py's measurements onto the model card the app reads; nothing is invented. */
export function cardFromTraining(raw: unknown): ModelSpec['card'] {
  const t = raw as TrainingCard;
  const m = t.measured;
  const source = `training/evaluate.py on the full ${t.model.dataset} test set (${m.n_test_images} images), ${t.evaluated?.date ?? ''}`.trim();
  const measured: ModelCardMetric[] = [
    { name: 'test accuracy', value: m.test_accuracy * 100, unit: '%', source },
    { name: 'bits per dimension', value: m.bits_per_dim.value, unit: 'bits/dim', definition: m.bits_per_dim.definition, source },
    { name: 'expected calibration error', value: m.ece.value, definition: m.ece.definition, source },
  ];
  for (const [set, result] of Object.entries(m.typicality)) {
    const auroc = (result as { auroc?: number })?.auroc;
    if (typeof auroc === 'number') measured.push({ name: `typicality AUROC vs ${set}`, value: auroc, definition: `score ${m.typicality.score}`, source });
  }
  return {
    reported: [],
    measured,
    dataset: t.model.dataset,
    beta: t.training.beta,
    typicality: { mean: m.neg_log_px.mean, std: m.neg_log_px.std, unit: m.neg_log_px.unit, definition: m.neg_log_px.definition },
    calibration: {
      ece: m.ece.value,
      source,
      bins: m.reliability_bins
        .filter((b) => b.count > 0 && b.mean_confidence !== null && b.accuracy !== null)
        .map((b) => ({ confidence: b.mean_confidence, accuracy: b.accuracy, count: b.count })),
    },
    training: t.training,
    parameters: t.model.trainable_parameters_incl_class_means,
    caveats: [...warmStartCaveat(t.training), ...(t.paper_reported?.note ? [t.paper_reported.note] : [])],
    citations: t.datasets ?? {},
  };
}
