import { scaleLinear, select } from 'd3';
import { useRef } from 'react';
import type { PosteriorBar } from '../state/resultView';
import { formatNats, formatProbability } from './format';
import { GLOSSARY } from './glossary';
import { Help } from './Help';
import { textWidth } from './textWidth';
import { useDrawEffect } from './useDrawEffect';
import { useElementWidth } from './useElementWidth';

/** Widest drawing, in CSS pixels. Narrower containers get the chart redrawn at their width (one unit = one pixel), so text keeps its size. */
const MAX_WIDTH = 560;
const ROW = 22;
const HEADER = 16;
const LABEL_SIZE = 12;

/** Column widths of a chart `width` pixels wide whose longest label is `labelLength` wide: on phones the number columns shrink. */
function columnWidths(width: number, labelLength: number) {
  const narrow = width < 420;
  return { label: Math.ceil(Math.min(labelLength + 8, 150, width * 0.4)), value: narrow ? 48 : 64, likelihood: narrow ? 56 : 96 };
}

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
  const width = Math.min(MAX_WIDTH, useElementWidth(ref, MAX_WIDTH));

  useDrawEffect(ref, () => {
    const height = HEADER + bars.length * ROW;
    const svg = select(ref.current!).attr('viewBox', `0 0 ${width} ${height}`);
    svg
      .selectAll('text.head')
      .data([GLOSSARY.posterior.name, `${GLOSSARY[beside].name}, nats`])
      .join('text')
      .attr('class', 'head')
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
          .attr('y', ROW / 2)
          .attr('dy', '0.35em')
          .attr('text-anchor', 'end')
          .attr('font-size', LABEL_SIZE);
        row
          .append('rect')
          .attr('class', 'track')
          .attr('y', 4)
          .attr('height', ROW - 8)
          .attr('fill', '#f3f4f6');
        row
          .append('rect')
          .attr('class', 'bar')
          .attr('y', 4)
          .attr('height', ROW - 8);
        row
          .append('text')
          .attr('class', 'value')
          .attr('y', ROW / 2)
          .attr('dy', '0.35em')
          .attr('font-size', 12);
        row
          .append('text')
          .attr('class', 'likelihood')
          .attr('y', ROW / 2)
          .attr('dy', '0.35em')
          .attr('text-anchor', 'end')
          .attr('font-size', 12)
          .attr('fill', '#374151');
        return row;
      })
      .attr('transform', (_, i) => `translate(0, ${HEADER + i * ROW})`);
    const labels = rows
      .select<SVGTextElement>('text.label')
      .text((d) => d.label)
      .attr('fill', (d) => (d.classIndex === null ? '#6b7280' : '#111827'));
    const column = columnWidths(width, Math.max(0, ...bars.map((d) => textWidth(d.label, LABEL_SIZE))));
    const barWidth = width - column.label - column.value - column.likelihood;
    const x = scaleLinear([0, 1], [0, barWidth]);
    labels.attr('x', column.label - 8);
    svg.selectAll('text.head').attr('x', (_, i) => (i === 0 ? column.label : width - 4));
    rows.select('rect.track').attr('x', column.label).attr('width', x(1));
    rows
      .select('rect.bar')
      .attr('x', column.label)
      .attr('width', (d) => x(d.probability))
      .attr('fill', (d) => (d.classIndex === null ? '#9ca3af' : d.classIndex === highlight ? '#1d4ed8' : '#60a5fa'))
      .attr('data-class-index', (d) => d.classIndex ?? 'rest')
      .attr('data-probability', (d) => d.probability);
    rows
      .select('text.value')
      .attr('x', column.label + barWidth + 6)
      .text((d) => formatProbability(d.probability));
    rows
      .select('text.likelihood')
      .attr('x', width - 4)
      .text((d) => (d.beside === null ? '' : formatNats(d.beside, { unit: false })));
  }, [bars, highlight, width, beside]);

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
