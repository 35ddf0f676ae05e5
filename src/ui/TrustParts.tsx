/** Pieces of the trust report's panel: a progress line, one headline figure, a chart with its own exports. */

import { type ReactNode, useRef } from 'react';
import type { TrustProgress } from '../state/trustStore';
import { ExportButtons } from './ExportButtons';
import { type ExportContext, exportPicture } from './exportPanel';
import { formatSignificant } from './format';

/** Images done of all, images/s and time left; testId: the hook (trust-progress for the run). */
export function ProgressLine({
  progress,
  running,
  batchSize,
  testId = 'trust-progress',
}: {
  progress: TrustProgress;
  running: boolean;
  batchSize: number | null;
  testId?: string;
}) {
  const { done, total, startedAt, now } = progress;
  const seconds = (now - startedAt) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const left = rate > 0 ? (total - done) / rate : null;
  return (
    <div className="trust-progress" data-testid={testId} data-done={done} data-total={total} aria-live="polite">
      <progress max={total} value={done} />
      <span>
        {done.toLocaleString('en')} of {total.toLocaleString('en')} images
        {rate > 0 && ` · ${formatSignificant(rate, 2)} images/s`}
        {running && left !== null && ` · about ${formatSeconds(left)} left`}
        {!running && ` · ${formatSeconds(seconds)}`}
        {batchSize && <span className="hint"> · batches of {batchSize}</span>}
      </span>
    </div>
  );
}

const formatSeconds = (s: number) => (s < 90 ? `${Math.ceil(s)} s` : `${Math.round(s / 60)} min`);

export function Metric({
  testId,
  label,
  value,
  format,
  empty,
}: {
  testId: string;
  label: string;
  value: number | null;
  format: (v: number) => string;
  empty: string;
}) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId} {...(value === null ? {} : { 'data-value': String(value) })}>
        {value === null ? <span className="hint">{empty}</span> : format(value)}
      </dd>
    </div>
  );
}

/**
 * A chart with its caption and its own PNG/SVG exports (the panel's export pictures, one chart alone).
 * The export's caption: the chart's name, the model, classes and folders, and the figure's caption as its method.
 */
export function ChartFigure({
  chart,
  name,
  context,
  caption,
  children,
}: {
  /** Short id: the test ids and the file name. */
  chart: string;
  /** What it is, in words: "reliability diagram". */
  name: string;
  context: Omit<ExportContext, 'title' | 'method'>;
  caption: ReactNode;
  children: ReactNode;
}) {
  const ref = useRef<HTMLElement>(null);
  const exportChart = (format: 'png' | 'svg') => {
    const figure = ref.current!;
    const method = figure.querySelector('figcaption')?.textContent ?? '';
    return exportPicture(figure.querySelector('svg')!, `trust-${chart}`, format, { ...context, title: `Trust report: ${name}`, method });
  };
  return (
    <figure ref={ref}>
      {children}
      <figcaption>{caption}</figcaption>
      <ExportButtons what={`the ${name}`} testIdPrefix={`trust-export-${chart}`} onExport={(format) => void exportChart(format)} />
    </figure>
  );
}
