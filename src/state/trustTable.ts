/** The per-image table of the trust report: its columns, sorting, filtering and CSV. */
import type { TrustFolder } from './trustInput';
import type { TrustRow } from './trustStore';

export type TrustColumn = 'path' | 'folder' | 'label' | 'predicted' | 'confidence' | 'negLogPx' | 'typicality';

export interface TableRow extends TrustRow {
  label: number | null;
  /** (−log p(x) − mean) / std against the card, or null without card statistics. */
  typicality: number | null;
  correct: boolean | null;
}

export function tableRows(rows: readonly TrustRow[], folders: readonly TrustFolder[], card: { mean: number; std: number } | null): TableRow[] {
  const labels = new Map(folders.map((f) => [f.path, f.label]));
  return rows.map((r) => {
    const label = labels.get(r.folder) ?? null;
    return { ...r, label, typicality: card ? (r.negLogPx - card.mean) / card.std : null, correct: label === null ? null : label === r.predicted };
  });
}

export interface TableView {
  sort: TrustColumn;
  descending: boolean;
  /** Text the path must contain (case-insensitive). */
  text: string;
  show: 'all' | 'wrong' | 'right' | 'unlabelled';
}

const collator = new Intl.Collator('en', { numeric: true });

export function viewRows(rows: readonly TableRow[], view: TableView, classNames: readonly string[]): TableRow[] {
  const text = view.text.trim().toLowerCase();
  const kept = rows.filter(
    (r) =>
      (!text || r.path.toLowerCase().includes(text) || (classNames[r.predicted] ?? '').toLowerCase().includes(text)) &&
      (view.show === 'all' ||
        (view.show === 'wrong' && r.correct === false) ||
        (view.show === 'right' && r.correct === true) ||
        (view.show === 'unlabelled' && r.label === null)),
  );
  const key = (r: TableRow): number | string => {
    const v = r[view.sort];
    return v === null ? -Infinity : v;
  };
  const sign = view.descending ? -1 : 1;
  return kept.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const order = typeof x === 'string' || typeof y === 'string' ? collator.compare(String(x), String(y)) : x - y;
    return sign * order || a.file - b.file;
  });
}

const csvField = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Numbers at full precision (JavaScript's shortest round-trip form). */
export function tableCsv(rows: readonly TableRow[], classNames: readonly string[]): string {
  const header = ['file', 'folder', 'label', 'label_index', 'predicted', 'predicted_index', 'p_y_given_x', 'neg_log_px_nats', 'bits_per_dim', 'typicality_z'];
  const lines = rows.map((r) =>
    [
      r.path,
      r.folder,
      r.label === null ? null : (classNames[r.label] ?? String(r.label)),
      r.label,
      classNames[r.predicted] ?? String(r.predicted),
      r.predicted,
      r.confidence,
      r.negLogPx,
      r.bitsPerDim,
      r.typicality,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
