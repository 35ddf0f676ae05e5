import { useEffect, useMemo, useState } from 'react';
import { ECE_BINS } from '../explain/trustMetrics';
import type { TrustSummary } from '../state/permalink';
import { className } from '../state/resultWords';
import { type TrustAttackFigures, trustAttackSummary } from '../state/trustAttack';
import { type FolderRole, selectionNotes } from '../state/trustInput';
import { MAX_MATRIX_CLASSES, reportJson, type TrustReport, trustReport, trustSummary } from '../state/trustReport';
import type { TrustStatus } from '../state/trustStore';
import { download } from './exportPanel';
import { formatNats, formatPercent, formatRatio, formatSignificant } from './format';
import { Panel } from './Panel';
import { useApp } from './storeContext';
import { TrustAttack } from './TrustAttack';
import { ConfusionChart, folderColor, NllHistogram, ReliabilityChart, RocChart } from './TrustCharts';
import { ChartFigure, Metric, ProgressLine } from './TrustParts';
import { TrustTable } from './TrustTable';
import { useTrust } from './trustContext';
import './trust.css';

const FINISHED: readonly TrustStatus[] = ['done', 'cancelled', 'failed'];

export function TrustPanel() {
  const spec = useApp((s) => s.model?.spec);
  const status = useTrust((s) => s.status);
  const rows = useTrust((s) => s.rows);
  const selection = useTrust((s) => s.selection);
  const runModel = useTrust((s) => s.runModel);
  const modelId = useApp((s) => s.model?.entry.id);
  // Computed once the run ends, not at every batch.
  const ended = FINISHED.includes(status);
  const report = useMemo(
    () => (ended && spec && selection && rows.length ? trustReport(rows, selection.folders, spec.classes.length, spec.card) : null),
    [ended, rows, selection, spec],
  );
  const attack = useTrust((s) => s.attack);
  const attackFigures = useMemo(() => report && trustAttackSummary(attack, report.typicalityMean?.value ?? null), [attack, report]);
  const setTrustSummary = useApp((s) => s.setTrustSummary);
  const linked = useApp((s) => s.view.trust);
  const finished = FINISHED.includes(status) && report !== null;
  useEffect(() => {
    if (finished && report) setTrustSummary(trustSummary(report, attackFigures));
  }, [finished, report, attackFigures, setTrustSummary]);
  if (!spec) return null;
  return (
    <Panel
      id="trust"
      title="Trust report"
      exportName="trust-report"
      busy={status === 'running'}
      context={{
        classes: `all ${spec.classes.length} classes`,
        method: 'every image of the chosen folders classified as in the single-image view: accuracy, calibration and −log p(x) in against out',
      }}
    >
      <p className="hint">
        How far can this model be trusted on your images? Choose or drop folders of images (or a .zip): folders named after a class (its name or index) give
        labels. Every image is preprocessed as in the single-image view and classified in the worker; nothing leaves this page.
      </p>
      {linked && !finished && <LinkedSummary summary={linked} />}
      <TrustInput />
      <FolderTable classNames={spec.classes} />
      <RunControls />
      {FINISHED.includes(status) && report && (
        <>
          {runModel !== modelId && (
            <p className="inline-error">These results are from the model “{runModel}”, not the one loaded now: run again to update them.</p>
          )}
          <Metrics report={report} classNames={spec.classes} attack={attackFigures} />
          <TrustAttack figures={attackFigures} images={report.images} />
          <TrustTable classNames={spec.classes} card={report.card} />
        </>
      )}
    </Panel>
  );
}

/** Accuracy and ECE as percents, AUROC as a ratio: as the model card and the calibration panel show them. */
const metricText = (v: number | null, percent = false) => (v === null ? '—' : percent ? formatPercent(v) : formatRatio(v));

/** A report that came with the link: its numbers only. */
function LinkedSummary({ summary }: { summary: TrustSummary }) {
  return (
    <p className="notice" data-testid="trust-linked">
      This link carries a trust report's metrics, not its images: {summary.images.toLocaleString('en')} images ({summary.labelled.toLocaleString('en')}{' '}
      labelled, {summary.inImages} in- and {summary.outImages} out-of-distribution), accuracy {metricText(summary.accuracy, true)}, ECE{' '}
      {metricText(summary.ece, true)}, typicality AUROC {metricText(summary.auroc)}
      {summary.attack &&
        `; batch attack (${summary.attack.norm === 'linf' ? 'L∞' : 'L2'} ε = ${formatSignificant(summary.attack.epsilon)}, ${summary.attack.steps} steps of ${formatSignificant(summary.attack.stepSize)}) on ${summary.attack.attacked} images: success ${metricText(summary.attack.successRate, true)}, clean-against-attacked typicality AUROC ${metricText(summary.attack.auroc)}`}
      . Choose the same images below and run to check them.
    </p>
  );
}

function TrustInput() {
  const choose = useTrust((s) => s.choose);
  const drop = useTrust((s) => s.drop);
  const status = useTrust((s) => s.status);
  const [dragging, setDragging] = useState(false);
  const disabled = status === 'running';
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target; the two buttons inside are the keyboard's way in
    <div
      className={`drop-zone trust-drop${dragging ? ' dragging' : ''}`}
      data-testid="trust-drop"
      onDragOver={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        // The page's own drop handler would classify the first file.
        e.preventDefault();
        e.stopPropagation();
        setDragging(false);
        if (!disabled) void drop(e.dataTransfer.items);
      }}
    >
      <span>Drop folders or a .zip here, or</span>
      <label className="button">
        choose a folder
        <input
          data-testid="trust-input"
          type="file"
          multiple
          disabled={disabled}
          ref={(el) => el?.setAttribute('webkitdirectory', '')}
          onChange={(e) => {
            const files = [...(e.currentTarget.files ?? [])];
            e.currentTarget.value = '';
            void choose(files);
          }}
        />
      </label>
      <label className="button secondary">
        choose a .zip or files
        <input
          data-testid="trust-files"
          type="file"
          multiple
          disabled={disabled}
          onChange={(e) => {
            const files = [...(e.currentTarget.files ?? [])];
            e.currentTarget.value = '';
            void choose(files);
          }}
        />
      </label>
    </div>
  );
}

const ROLE_WORDS: Record<FolderRole, string> = { in: 'in-distribution', out: 'out-of-distribution', none: 'neither' };

function FolderTable({ classNames }: { classNames: readonly string[] }) {
  const selection = useTrust((s) => s.selection);
  const status = useTrust((s) => s.status);
  const message = useTrust((s) => s.message);
  const setLabel = useTrust((s) => s.setLabel);
  const setRole = useTrust((s) => s.setRole);
  const notes = useMemo(() => (selection ? selectionNotes(selection, classNames) : []), [selection, classNames]);
  // Made once per model: each folder's select holds every class, and the table re-renders at every step of a run.
  const labelOptions = useMemo(
    () =>
      classNames.map((c, y) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a model's class list is fixed; names may repeat (ImageNet), indices do not
        <option key={y} value={y}>
          {y}: {c}
        </option>
      )),
    [classNames],
  );
  if (status === 'reading') return <p className="hint">Reading the selection…</p>;
  if (!selection) return message ? <p className="inline-error">{message}</p> : null;
  return (
    <div className="trust-folders">
      {selection.folders.length > 0 && (
        <table data-testid="trust-folders">
          <caption>
            {selection.files.length.toLocaleString('en')} files in {selection.folders.length} folder{selection.folders.length === 1 ? '' : 's'}: check the
            labels before the run.
          </caption>
          <thead>
            <tr>
              <th>folder</th>
              <th>files</th>
              <th>label</th>
              <th>for the typicality test</th>
            </tr>
          </thead>
          <tbody>
            {selection.folders.map((f, i) => (
              <tr key={f.path} data-folder={f.path}>
                <td>
                  <span className="swatch" style={{ background: folderColor(i) }} /> {f.path}
                </td>
                <td>{f.files.toLocaleString('en')}</td>
                <td>
                  <select
                    aria-label={`label of ${f.path}`}
                    data-testid="trust-folder-label"
                    value={f.label ?? ''}
                    onChange={(e) => setLabel(f.path, e.target.value === '' ? null : Number(e.target.value))}
                  >
                    <option value="">unlabelled</option>
                    {labelOptions}
                  </select>{' '}
                  <span className="hint">
                    {f.match === 'name' ? 'by name' : f.match === 'index' ? 'by index' : f.match === 'chosen' ? 'chosen' : 'no match'}
                  </span>
                </td>
                <td>
                  <select
                    aria-label={`role of ${f.path}`}
                    data-testid="trust-folder-role"
                    value={f.role}
                    onChange={(e) => setRole(f.path, e.target.value as FolderRole)}
                  >
                    {(['in', 'out', 'none'] as const).map((r) => (
                      <option key={r} value={r}>
                        {ROLE_WORDS[r]}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {notes.length > 0 && (
        <ul className="trust-notes" data-testid="trust-notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function RunControls() {
  const status = useTrust((s) => s.status);
  const selection = useTrust((s) => s.selection);
  const progress = useTrust((s) => s.progress);
  const batchSize = useTrust((s) => s.batchSize);
  const message = useTrust((s) => s.message);
  const skipped = useTrust((s) => s.skipped);
  const run = useTrust((s) => s.run);
  const cancel = useTrust((s) => s.cancel);
  const clear = useTrust((s) => s.clear);
  if (!selection) return null;
  const running = status === 'running';
  return (
    <div className="trust-run">
      <div className="trust-buttons">
        <button type="button" className="button" data-testid="trust-run" disabled={running || !selection.files.length} onClick={() => void run()}>
          {FINISHED.includes(status) ? 'Run again' : 'Run'}
        </button>
        {running && (
          <button type="button" className="button secondary" data-testid="trust-cancel" onClick={cancel}>
            Cancel (keeps what finished)
          </button>
        )}
        <button type="button" className="link-button" onClick={clear} disabled={running}>
          clear
        </button>
      </div>
      {progress && <ProgressLine progress={progress} running={running} batchSize={batchSize} />}
      {message && FINISHED.includes(status) && (
        <p className={status === 'failed' ? 'inline-error' : 'notice'} data-testid="trust-message">
          {message}
        </p>
      )}
      {skipped.length > 0 && (
        <details className="trust-skipped" data-testid="trust-skipped" data-count={skipped.length}>
          <summary>
            {skipped.length.toLocaleString('en')} file{skipped.length === 1 ? ' was' : 's were'} skipped (not images, or not readable): see why
          </summary>
          <ul>
            {skipped.slice(0, 200).map((s) => (
              <li key={s.path}>
                <code>{s.path}</code>: {s.reason}
              </li>
            ))}
            {skipped.length > 200 && <li>… and {(skipped.length - 200).toLocaleString('en')} more</li>}
          </ul>
        </details>
      )}
    </div>
  );
}

function Metrics({ report, classNames, attack }: { report: TrustReport; classNames: readonly string[]; attack: TrustAttackFigures | null }) {
  const selection = useTrust((s) => s.selection);
  const runModel = useTrust((s) => s.runModel);
  const loaded = useApp((s) => s.model?.entry);
  const context = {
    // The model that made these results: by name while it is loaded, else by its id.
    model: runModel === loaded?.id ? loaded.name : (runModel ?? 'no model loaded'),
    classes: `all ${classNames.length} classes`,
    details: [`folders: ${report.perFolder.map((f) => f.folder).join(', ')}`],
  };
  const exportJson = () =>
    download(new Blob([reportJson(report, selection?.folders ?? [], runModel, classNames, attack)], { type: 'application/json' }), 'trust-report.json');
  return (
    <div className="trust-results">
      <dl className="summary">
        <Metric
          testId="trust-accuracy"
          label={`accuracy (${report.labelled.toLocaleString('en')} labelled)`}
          value={report.accuracy}
          format={formatPercent}
          empty="no labelled images"
        />
        <Metric testId="trust-ece" label={`ECE (${ECE_BINS} bins)`} value={report.calibration?.ece ?? null} format={formatPercent} empty="no labelled images" />
        <Metric
          testId="trust-auroc"
          label={`typicality AUROC (${report.inImages} in / ${report.outImages} out)`}
          value={report.auroc}
          format={formatRatio}
          empty="mark folders in- and out-of-distribution"
        />
      </dl>
      <div className="trust-exports">
        <button type="button" className="link-button" data-testid="trust-export-json" onClick={exportJson}>
          metrics as JSON
        </button>
        <span className="hint">The page's link now carries these counts and metrics, not the images or folder names.</span>
      </div>
      <div className="trust-charts">
        {report.calibration && (
          <ChartFigure
            chart="reliability"
            name="reliability diagram"
            context={context}
            caption="Reliability: accuracy per confidence bin (bars) against the bin's mean confidence (dots); the dashed diagonal is perfect calibration."
          >
            <ReliabilityChart bins={report.calibration.bins} />
          </ChartFigure>
        )}
        {report.matrix && (
          <ChartFigure
            chart="confusion"
            name="confusion matrix"
            context={context}
            caption="Confusion matrix: rows are labels, columns predictions; blue on the diagonal is right, red off it."
          >
            <ConfusionChart matrix={report.matrix} classNames={classNames} />
          </ChartFigure>
        )}
        {!report.matrix && report.confusions.length > 0 && (
          <figure data-testid="trust-top-confusions">
            <ol>
              {report.confusions.map((c) => (
                <li key={`${c.label}:${c.predicted}`}>
                  {className(classNames, c.label)} → {className(classNames, c.predicted)}: {c.count}
                </li>
              ))}
            </ol>
            <figcaption>The most frequent confusions (label → prediction); a matrix is drawn up to {MAX_MATRIX_CLASSES} classes.</figcaption>
          </figure>
        )}
        <ChartFigure
          chart="histogram"
          name="−log p(x) histogram"
          context={context}
          caption={
            <>
              −log p(x) per folder (colours as in the folder table)
              {report.card
                ? `; shaded: the training data's mean ± 2 std from the model card (${formatNats(report.card.mean, { unit: false })} ± ${formatNats(2 * report.card.std)})`
                : '; the model card has no −log p(x) statistics'}
              .
            </>
          }
        >
          <NllHistogram folders={report.perFolder} card={report.card} />
        </ChartFigure>
        {report.roc.length > 0 && (
          <ChartFigure
            chart="roc"
            name="ROC curve"
            context={context}
            caption={
              <>
                Typicality test: flag an image when |−log p(x) − m| is large, m = {report.typicalityMean && formatNats(report.typicalityMean.value)} (
                {report.typicalityMean?.source === 'card' ? "the card's in-distribution mean" : 'mean of the in-distribution folders'}).
                {report.references.length > 0 && (
                  <>
                    {' '}
                    The card's reference:{' '}
                    {report.references.map((r) => `${r.name.replace(/^typicality AUROC/i, 'AUROC')} = ${formatRatio(r.value)}`).join('; ')}.
                  </>
                )}
              </>
            }
          >
            <RocChart points={report.roc} />
          </ChartFigure>
        )}
      </div>
    </div>
  );
}
