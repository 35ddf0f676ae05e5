import { axisBottom, axisLeft, scaleLinear, select } from 'd3';
import { useMemo, useRef } from 'react';
import type { ClassifierResult } from '../flow/classifier';
import type { ModelSpec } from '../formats/modelSpec';
import type { AppState } from '../state/appState';
import { calibration, type ReliabilityBin } from '../state/resultView';
import { formatPercent } from './format';
import { Help, TermName } from './Help';
import { ModelSummary, prefixedTestIds, type SummaryTestIds } from './ModelSummary';
import { Panel } from './Panel';
import { useApp } from './storeContext';
import { useDrawEffect } from './useDrawEffect';

const COMPARE_BARS = 6;

export function CalibrationPanel() {
  const spec = useApp((s) => s.model?.spec);
  const models = useApp((s) => s.models);
  const current = useApp((s) => s.model?.entry.id);
  const comparison = useApp((s) => s.comparison);
  const compareWith = useApp((s) => s.compareWith);
  const classification = useApp((s) => s.classification);
  if (!spec) return null;
  const other = comparison.task.status === 'done' ? comparison.task.value : null;
  const context = {
    model: other ? `${spec.name} and ${other.spec.name}` : undefined,
    classes: `all ${spec.classes.length} classes`,
    method: other
      ? "the same image under both models: exact p(y|x), bits/dim, −log p(x) against each model's training data, and each card's reliability diagram"
      : "reliability diagram and expected calibration error (ECE) from the model card's held-out data",
  };
  return (
    <Panel id="calibration" title="Calibration and β" exportName="calibration" context={context}>
      <label className="field compare-picker">
        compare side by side with
        <select data-testid="compare-model" value={comparison.modelId ?? ''} onChange={(e) => void compareWith(e.target.value || null)}>
          <option value="">no other model</option>
          {models
            .filter((m) => m.id !== current)
            .map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
        </select>
      </label>
      <div className="compare-row" data-testid={comparison.modelId ? 'compare-row' : undefined}>
        <ModelColumn spec={spec} result={comparison.modelId ? classification?.result : undefined} ids={CURRENT_IDS} />
        {comparison.modelId && <ComparedColumn task={comparison.task} />}
      </div>
      {!comparison.modelId && (
        <p className="hint">Models trained with different β trade accuracy for calibration and likelihood; compare two side by side here.</p>
      )}
    </Panel>
  );
}

interface ColumnIds {
  summary: SummaryTestIds;
  reliability: string;
  ece: string;
  column: string;
}

/** The loaded model's column keeps the ids the lone reliability diagram had. */
const CURRENT_IDS: ColumnIds = { summary: prefixedTestIds('compare-current'), reliability: 'reliability-diagram', ece: 'ece', column: 'compare-current' };
const OTHER_IDS: ColumnIds = { summary: prefixedTestIds('compare'), reliability: 'compare-reliability-diagram', ece: 'compare-ece', column: 'compare-other' };

function ComparedColumn({ task }: { task: AppState['comparison']['task'] }) {
  if (task.status === 'running' || task.status === 'idle') return <p className="hint">Loading and classifying…</p>;
  if (task.status === 'failed')
    return (
      <p className="inline-error" data-testid="compare-error">
        {task.message}
      </p>
    );
  return <ModelColumn spec={task.value.spec} result={task.value.classification.result} ids={OTHER_IDS} />;
}

/** One model in the comparison: its name and β, its answer for the image (when comparing), and its card's reliability. */
function ModelColumn({ spec, result, ids }: { spec: ModelSpec; result?: ClassifierResult; ids: ColumnIds }) {
  const reliability = useMemo(() => calibration(spec.card), [spec]);
  const beta = spec.card.beta;
  return (
    <div className="compare-column" data-testid={ids.column}>
      <h3>
        {spec.name}
        {(typeof beta === 'number' || typeof beta === 'string') && !spec.name.includes('β') ? ` (β = ${beta})` : ''}
      </h3>
      {result && <ModelSummary result={result} spec={spec} maxBars={COMPARE_BARS} testIds={ids.summary} />}
      <h4>
        Reliability on held-out data <Help term="reliability" />
      </h4>
      {reliability ? (
        <>
          <ReliabilityDiagram bins={reliability.bins} testId={ids.reliability} />
          <p data-testid={ids.ece}>
            <TermName term="ece" /> = <span data-testid={`${ids.ece}-value`}>{reliability.ece !== null ? formatPercent(reliability.ece) : 'not given'}</span>
            {reliability.source && <span className="hint"> ({reliability.source})</span>}
          </p>
        </>
      ) : (
        <p className="hint" data-testid={ids.ece}>
          No calibration data in this model's card: a reliability diagram needs the accuracy per confidence bin on held-out data.
        </p>
      )}
    </div>
  );
}

function ReliabilityDiagram({ bins, testId }: { bins: ReliabilityBin[]; testId: string }) {
  const ref = useRef<SVGSVGElement>(null);
  useDrawEffect(ref, () => {
    const size = 240;
    const m = { top: 8, right: 8, bottom: 32, left: 40 };
    const x = scaleLinear([0, 1], [m.left, size - m.right]);
    const y = scaleLinear([0, 1], [size - m.bottom, m.top]);
    const svg = select(ref.current!).attr('viewBox', `0 0 ${size} ${size}`);
    svg.selectAll('*').remove();
    svg.append('line').attr('x1', x(0)).attr('y1', y(0)).attr('x2', x(1)).attr('y2', y(1)).attr('stroke', '#9ca3af').attr('stroke-dasharray', '4 3');
    const width = (x(1) - x(0)) / bins.length;
    svg
      .selectAll('rect.bin')
      .data(bins)
      .join('rect')
      .attr('class', 'bin')
      .attr('x', (d) => x(d.confidence) - width / 2 + 1)
      .attr('width', width - 2)
      .attr('y', (d) => y(d.accuracy))
      .attr('height', (d) => y(0) - y(d.accuracy))
      .attr('fill', '#60a5fa');
    svg
      .append('g')
      .attr('transform', `translate(0, ${y(0)})`)
      .call(axisBottom(x).ticks(5))
      .attr('font-size', 11);
    svg
      .append('g')
      .attr('transform', `translate(${x(0)}, 0)`)
      .call(axisLeft(y).ticks(5))
      .attr('font-size', 11);
    svg
      .append('text')
      .attr('x', size / 2)
      .attr('y', size - 2)
      .attr('text-anchor', 'middle')
      .attr('font-size', 11)
      .text('confidence');
    svg
      .append('text')
      .attr('transform', `translate(10, ${size / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .attr('font-size', 11)
      .text('accuracy');
  }, [bins]);
  return <svg ref={ref} width={240} height={240} role="img" aria-label="reliability diagram" data-testid={testId} />;
}
