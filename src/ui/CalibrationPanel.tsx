import { axisBottom, axisLeft, scaleLinear, select } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import { calibration, posteriorBars, type ReliabilityBin, rankedClasses } from '../state/resultView';
import { formatBitsPerDim, formatPercent } from './format';
import { Help, TermName } from './Help';
import { ImageCanvas } from './ImageCanvas';
import { Panel } from './Panel';
import { PosteriorChart } from './PosteriorChart';
import { useApp } from './storeContext';

export function CalibrationPanel() {
  const spec = useApp((s) => s.model?.spec);
  const models = useApp((s) => s.models);
  const current = useApp((s) => s.model?.entry.id);
  const comparison = useApp((s) => s.comparison);
  const compareWith = useApp((s) => s.compareWith);
  const reliability = useMemo(() => spec && calibration(spec.card), [spec]);
  if (!spec) return null;
  const beta = spec.card.beta;
  return (
    <Panel id="calibration" title="Calibration and β" exportName="calibration">
      <div className="calibration-layout">
        <div>
          <h3>
            Reliability <Help term="reliability" />{' '}
            {(typeof beta === 'number' || typeof beta === 'string') && (
              <>
                (β = {beta} <Help term="beta" />)
              </>
            )}
          </h3>
          {reliability ? (
            <>
              <ReliabilityDiagram bins={reliability.bins} />
              <p data-testid="ece">
                <TermName term="ece" /> = <span data-testid="ece-value">{reliability.ece !== null ? formatPercent(reliability.ece) : 'not given'}</span>
                {reliability.source && <span className="hint"> ({reliability.source})</span>}
              </p>
            </>
          ) : (
            <p className="hint" data-testid="ece">
              No calibration data in this model's card: a reliability diagram needs the accuracy per confidence bin on held-out data.
            </p>
          )}
        </div>
        <div>
          <h3>The same image under another model</h3>
          <select
            data-testid="compare-model"
            aria-label="Model to compare with"
            value={comparison.modelId ?? ''}
            onChange={(e) => void compareWith(e.target.value || null)}
          >
            <option value="">choose a model…</option>
            {models
              .filter((m) => m.id !== current)
              .map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
          </select>
          <SideBySideView />
        </div>
      </div>
    </Panel>
  );
}

function SideBySideView() {
  const task = useApp((s) => s.comparison.task);
  const bars = useMemo(() => {
    if (task.status !== 'done') return null;
    const { spec, classification } = task.value;
    return posteriorBars(rankedClasses(classification.result, spec.classes), 6);
  }, [task]);
  if (task.status === 'idle') return <p className="hint">Models trained with different β trade accuracy for calibration and likelihood; compare them here.</p>;
  if (task.status === 'running') return <p className="hint">Loading and classifying…</p>;
  if (task.status === 'failed') return <p className="inline-error">{task.message}</p>;
  return (
    <div className="side-by-side" data-testid="side-by-side">
      <ImageCanvas image={task.value.classification.input} size={96} label="the second model's input" />
      <p>
        {task.value.spec.name}: {formatBitsPerDim(task.value.classification.result.bitsPerDim[0])} <Help term="bitsPerDim" />
      </p>
      {bars && <PosteriorChart bars={bars} testId="compare-posterior" />}
    </div>
  );
}

function ReliabilityDiagram({ bins }: { bins: ReliabilityBin[] }) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
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
  return <svg ref={ref} width={240} height={240} role="img" aria-label="reliability diagram" data-testid="reliability-diagram" />;
}
