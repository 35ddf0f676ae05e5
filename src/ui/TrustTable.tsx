import { useEffect, useMemo, useState } from 'react';
import { className } from '../state/resultWords';
import type { CardStatistics } from '../state/trustReport';
import { type TableView, type TrustColumn, tableCsv, tableRows, viewRows } from '../state/trustTable';
import { download } from './exportPanel';
import { formatNats, formatProbability, formatZScore } from './format';
import { useTrust } from './trustContext';

const PAGE = 50;

const COLUMNS: { key: TrustColumn; title: string; numeric?: boolean }[] = [
  { key: 'path', title: 'file' },
  { key: 'label', title: 'label' },
  { key: 'predicted', title: 'predicted' },
  { key: 'confidence', title: 'p(y|x)', numeric: true },
  { key: 'negLogPx', title: '−log p(x)', numeric: true },
  { key: 'typicality', title: 'typicality z', numeric: true },
];

/** The per-image table: sorts by any column, filters, pages; a click opens the image in the explorer. */
export function TrustTable({ classNames, card }: { classNames: readonly string[]; card: CardStatistics | null }) {
  const rows = useTrust((s) => s.rows);
  const folders = useTrust((s) => s.selection?.folders);
  const open = useTrust((s) => s.open);
  const [view, setView] = useState<TableView>({ sort: 'path', descending: false, text: '', show: 'all' });
  const [page, setPage] = useState(0);
  const all = useMemo(() => tableRows(rows, folders ?? [], card), [rows, folders, card]);
  const shown = useMemo(() => viewRows(all, view, classNames), [all, view, classNames]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const current = Math.min(page, pages - 1);
  const sortBy = (key: TrustColumn) =>
    setView((v) => ({ ...v, sort: key, descending: v.sort === key ? !v.descending : COLUMNS.find((c) => c.key === key)?.numeric === true }));
  return (
    <div className="trust-table">
      <div className="trust-table-controls">
        <input
          type="search"
          placeholder="filter by file or predicted class"
          aria-label="filter the images"
          value={view.text}
          onChange={(e) => setView({ ...view, text: e.target.value })}
        />
        <select aria-label="which images" value={view.show} onChange={(e) => setView({ ...view, show: e.target.value as TableView['show'] })}>
          <option value="all">all images</option>
          <option value="wrong">misclassified</option>
          <option value="right">correct</option>
          <option value="unlabelled">unlabelled</option>
        </select>
        <span className="hint">
          {shown.length.toLocaleString('en')} of {all.length.toLocaleString('en')} images
        </span>
        <button
          type="button"
          className="link-button"
          data-testid="trust-export-csv"
          onClick={() => download(new Blob([tableCsv(shown, classNames)], { type: 'text/csv' }), 'trust-report.csv')}
        >
          table as CSV
        </button>
      </div>
      <table data-testid="trust-table">
        <thead>
          <tr>
            <th>image</th>
            {COLUMNS.map((c) => (
              <th key={c.key} aria-sort={view.sort === c.key ? (view.descending ? 'descending' : 'ascending') : undefined}>
                <button type="button" className="link-button" onClick={() => sortBy(c.key)}>
                  {c.title}
                  {view.sort === c.key ? (view.descending ? ' ▼' : ' ▲') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.slice(current * PAGE, (current + 1) * PAGE).map((r) => (
            <tr key={r.file} className={r.correct === false ? 'wrong' : undefined}>
              <td>
                <Thumbnail file={r.file} />
              </td>
              <td className="path">
                <button type="button" className="link-button" title="open in the explorer" onClick={() => void open(r)}>
                  {r.path}
                </button>
              </td>
              <td>{r.label === null ? '—' : className(classNames, r.label)}</td>
              <td>{className(classNames, r.predicted)}</td>
              <td>{formatProbability(r.confidence)}</td>
              <td>{formatNats(r.negLogPx, { unit: false })}</td>
              <td>{r.typicality === null ? '—' : formatZScore(r.typicality)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <div className="trust-pages">
          <button type="button" className="link-button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            ← previous
          </button>
          <span>
            page {current + 1} of {pages}
          </span>
          <button type="button" className="link-button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            next →
          </button>
        </div>
      )}
    </div>
  );
}

/** The file as the browser shows it, read only while its row is on screen. */
function Thumbnail({ file }: { file: number }) {
  const entry = useTrust((s) => s.selection?.files[file]);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let made: string | null = null;
    let live = true;
    entry
      ?.read()
      .then((blob) => {
        if (!live) return;
        made = URL.createObjectURL(blob);
        setUrl(made);
      })
      .catch(() => undefined);
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [entry]);
  return url ? <img src={url} alt="" width={28} height={28} className="trust-thumb" /> : <span className="trust-thumb" />;
}
