/** The trust report's figures from its rows and the folder table: metrics from src/explain/trustMetrics, references from the model card. */
import {
  accuracy,
  auroc,
  type Confusion,
  calibration,
  confusionMatrix,
  ECE_BINS,
  type LabelledOutcome,
  type ReliabilityBin,
  type RocPoint,
  rocCurve,
  topConfusions,
  typicalityScore,
} from '../explain/trustMetrics';
import type { TrustSummary } from './permalink';
import type { TrustAttackFigures } from './trustAttack';
import type { TrustFolder } from './trustInput';
import type { TrustRow } from './trustStore';

/** A confusion matrix is drawn up to this many classes; past it, the most frequent confusions are listed. */
export const MAX_MATRIX_CLASSES = 20;
const TOP_CONFUSIONS = 15;

export interface CardStatistics {
  /** −log p(x) of the in-distribution test set (nats). */
  mean: number;
  std: number;
}

export interface ReferenceAuroc {
  name: string;
  value: number;
  source: string | null;
}

export interface TrustReport {
  images: number;
  labelled: number;
  accuracy: number | null;
  calibration: { ece: number; bins: ReliabilityBin[] } | null;
  /** counts[label][predicted], for at most MAX_MATRIX_CLASSES classes. */
  matrix: number[][] | null;
  confusions: Confusion[];
  /** The m of the typicality score |−log p(x) − m|, and where it comes from. */
  typicalityMean: { value: number; source: 'card' | 'in-distribution folders' } | null;
  inImages: number;
  outImages: number;
  auroc: number | null;
  roc: RocPoint[];
  /** −log p(x) of each folder's images. */
  perFolder: { folder: string; negLogPx: number[] }[];
  card: CardStatistics | null;
  references: ReferenceAuroc[];
}

/** The card's −log p(x) statistics (card.typicality), or null. */
export function cardStatistics(card: Record<string, unknown>): CardStatistics | null {
  const t = card.typicality as { mean?: unknown; std?: unknown } | undefined;
  return typeof t?.mean === 'number' && typeof t.std === 'number' && t.std > 0 ? { mean: t.mean, std: t.std } : null;
}

/** The card's measured typicality AUROCs (evaluate.py writes "typicality AUROC vs <set>"). */
export function referenceAurocs(card: Record<string, unknown>): ReferenceAuroc[] {
  const measured = Array.isArray(card.measured) ? (card.measured as { name?: unknown; value?: unknown; source?: unknown }[]) : [];
  return measured
    .filter((m) => typeof m.name === 'string' && /auroc/i.test(m.name) && typeof m.value === 'number')
    .map((m) => ({ name: m.name as string, value: m.value as number, source: typeof m.source === 'string' ? m.source : null }));
}

export function trustReport(rows: readonly TrustRow[], folders: readonly TrustFolder[], classes: number, card: Record<string, unknown>): TrustReport {
  const byPath = new Map(folders.map((f) => [f.path, f]));
  const labelled: LabelledOutcome[] = [];
  for (const r of rows) {
    const label = byPath.get(r.folder)?.label;
    if (label !== null && label !== undefined) labelled.push({ predicted: r.predicted, confidence: r.confidence, label });
  }
  const stats = cardStatistics(card);
  const inRows = rows.filter((r) => byPath.get(r.folder)?.role === 'in');
  const outRows = rows.filter((r) => byPath.get(r.folder)?.role === 'out');
  const typicalityMean = stats
    ? { value: stats.mean, source: 'card' as const }
    : inRows.length
      ? { value: inRows.reduce((s, r) => s + r.negLogPx, 0) / inRows.length, source: 'in-distribution folders' as const }
      : null;
  const score = (r: TrustRow) => typicalityScore(r.negLogPx, typicalityMean?.value ?? 0);
  const inScores = typicalityMean ? inRows.map(score) : [];
  const outScores = typicalityMean ? outRows.map(score) : [];
  const perFolder = folders
    .map((f) => ({ folder: f.path, negLogPx: rows.filter((r) => r.folder === f.path).map((r) => r.negLogPx) }))
    .filter((f) => f.negLogPx.length > 0);
  return {
    images: rows.length,
    labelled: labelled.length,
    accuracy: accuracy(labelled),
    calibration: calibration(labelled, ECE_BINS),
    matrix: labelled.length && classes <= MAX_MATRIX_CLASSES ? confusionMatrix(labelled, classes) : null,
    confusions: topConfusions(labelled, TOP_CONFUSIONS),
    typicalityMean,
    inImages: inRows.length,
    outImages: outRows.length,
    auroc: auroc(inScores, outScores),
    roc: rocCurve(inScores, outScores),
    perFolder,
    card: stats,
    references: referenceAurocs(card),
  };
}

/** The report as JSON for export: settings and metrics, no images; attack: the batch attack's figures, if it ran. */
export function reportJson(
  report: TrustReport,
  folders: readonly TrustFolder[],
  model: string | null,
  classNames: readonly string[],
  attack: TrustAttackFigures | null = null,
): string {
  const { perFolder, roc, ...metrics } = report;
  return JSON.stringify(
    {
      model,
      definitions: {
        posterior: 'float64 softmax of the float32 logits',
        ece: `top-1, ${ECE_BINS} equal-width confidence bins, the first [0, 1/${ECE_BINS}], the others (lower, upper]: sum_b |acc_b - conf_b| n_b / N`,
        typicality: 'score |-log p(x) - m|; AUROC: out-of-distribution folders positive, ties count one half',
        attack:
          'PGD in pixel units on each image, judged after 8-bit rounding; success rate: share of attacked images whose decision left the clean one ' +
          '(untargeted) or reached the target (images already at the target are not attacked); typicality AUROC: attacked images positive, clean negative',
      },
      folders: folders.map((f) => ({ path: f.path, files: f.files, label: f.label === null ? null : (classNames[f.label] ?? f.label), role: f.role })),
      ...metrics,
      perFolder: perFolder.map((f) => ({
        folder: f.folder,
        images: f.negLogPx.length,
        meanNegLogPx: f.negLogPx.reduce((s, v) => s + v, 0) / f.negLogPx.length,
      })),
      roc,
      attack,
    },
    (_, v) => (v === Infinity ? 'Infinity' : v),
    1,
  );
}

/** What a link carries of a report: counts and metrics, and the batch attack's figures. */
export function trustSummary(r: TrustReport, attack: TrustAttackFigures | null = null): TrustSummary {
  return {
    images: r.images,
    labelled: r.labelled,
    inImages: r.inImages,
    outImages: r.outImages,
    accuracy: r.accuracy,
    ece: r.calibration?.ece ?? null,
    auroc: r.auroc,
    attack: attack && { ...attack.settings, attacked: attack.attacked, successRate: attack.successRate, auroc: attack.typicalityAuroc },
  };
}
