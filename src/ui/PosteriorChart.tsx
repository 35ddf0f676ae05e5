import { scaleLinear, select } from 'd3';
import { useEffect, useRef } from 'react';
import type { PosteriorBar } from '../state/resultView';
import { formatNats, formatProbability } from './format';
import { GLOSSARY } from './glossary';
import { Help } from './Help';

const WIDTH = 560;
const ROW = 22;
const LABEL_WIDTH = 150;
const VALUE_WIDTH = 64;
const LIKELIHOOD_WIDTH = 96;
const HEADER = 16;

/** What the chart prints beside each bar: a per-class value in nats. */
export type BesideTerm = 'logLikelihood' | 'latentFit';

/**
 * p(y|x) as horizontal bars with a per-class value in nats beside each (log p(x|y) by default); bars carry
 * data-class-index and data-probability. Colors are attributes, not CSS, so that exported SVGs keep them.
 */
export function PosteriorChart({
  bars,
  highlight,
  beside = 'logLikelihood',
  testId = 'posterior-chart',
}: {
  bars: PosteriorBar[];
  highlight?: number;
  beside?: BesideTerm;
  testId?: string;
}) {
  const ref = useRef<SVGSVGElement>(null);

  useEffect(() => {
    const height = HEADER + bars.length * ROW;
    const svg = select(ref.current!).attr('viewBox', `0 0 ${WIDTH} ${height}`);
    const barWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH - LIKELIHOOD_WIDTH;
    const x = scaleLinear([0, 1], [0, barWidth]);
    svg
      .selectAll('text.head')
      .data([GLOSSARY.posterior.name, `${GLOSSARY[beside].name}, nats`])
      .join('text')
      .attr('class', 'head')
      .attr('x', (_, i) => (i === 0 ? LABEL_WIDTH : WIDTH - 4))
      .attr('text-anchor', (_, i) => (i === 0 ? 'start' : 'end'))
      .attr('y', 11)
      .attr('font-size', 11)
      .attr('fill', '#6b7280')
      .text((d) => d);
    const rows = svg
      .selectAll<SVGGElement, PosteriorBar>('g.row')
      .data(bars, (d) => d.key)
      .join((enter) => {
        const row = enter.append('g').attr('class', 'row');
        row
          .append('text')
          .attr('class', 'label')
          .attr('x', LABEL_WIDTH - 8)
          .attr('y', ROW / 2)
          .attr('dy', '0.35em')
          .attr('text-anchor', 'end')
          .attr('font-size', 12);
        row
          .append('rect')
          .attr('class', 'track')
          .attr('x', LABEL_WIDTH)
          .attr('y', 4)
          .attr('height', ROW - 8)
          .attr('width', x(1))
          .attr('fill', '#f3f4f6');
        row
          .append('rect')
          .attr('class', 'bar')
          .attr('x', LABEL_WIDTH)
          .attr('y', 4)
          .attr('height', ROW - 8);
        row
          .append('text')
          .attr('class', 'value')
          .attr('x', LABEL_WIDTH + barWidth + 6)
          .attr('y', ROW / 2)
          .attr('dy', '0.35em')
          .attr('font-size', 12);
        row
          .append('text')
          .attr('class', 'likelihood')
          .attr('x', WIDTH - 4)
          .attr('y', ROW / 2)
          .attr('dy', '0.35em')
          .attr('text-anchor', 'end')
          .attr('font-size', 12)
          .attr('fill', '#374151');
        return row;
      })
      .attr('transform', (_, i) => `translate(0, ${HEADER + i * ROW})`);
    rows
      .select('text.label')
      .text((d) => d.label)
      .attr('fill', (d) => (d.classIndex === null ? '#6b7280' : '#111827'));
    rows
      .select('rect.bar')
      .attr('width', (d) => x(d.probability))
      .attr('fill', (d) => (d.classIndex === null ? '#9ca3af' : d.classIndex === highlight ? '#1d4ed8' : '#60a5fa'))
      .attr('data-class-index', (d) => d.classIndex ?? 'rest')
      .attr('data-probability', (d) => d.probability);
    rows.select('text.value').text((d) => formatProbability(d.probability));
    rows.select('text.likelihood').text((d) => (d.beside === null ? '' : formatNats(d.beside, { unit: false })));
  }, [bars, highlight, beside]);

  return (
    <svg
      ref={ref}
      className="posterior-chart"
      data-testid={testId}
      role="img"
      aria-label={`posterior p(y|x) per class, with ${GLOSSARY[beside].name} in nats`}
    />
  );
}

/** The chart's two columns named, each with its help (SVG text cannot hold a button). */
export function PosteriorChartKey({ beside = 'logLikelihood' }: { beside?: BesideTerm }) {
  return (
    <p className="chart-key">
      bars: {GLOSSARY.posterior.name} <Help term="posterior" /> · right: {GLOSSARY[beside].name} in nats <Help term={beside} />
    </p>
  );
}
