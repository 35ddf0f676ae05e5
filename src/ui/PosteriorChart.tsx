import { scaleLinear, select } from 'd3';
import { useEffect, useRef } from 'react';
import type { PosteriorBar } from '../state/resultView';
import { formatProbability } from './format';

const WIDTH = 520;
const ROW = 24;
const LABEL_WIDTH = 140;
const VALUE_WIDTH = 64;

/** p(y|x) as horizontal bars; each bar carries data-class-index and data-probability. */
export function PosteriorChart({ bars }: { bars: PosteriorBar[] }) {
  const ref = useRef<SVGSVGElement>(null);

  useEffect(() => {
    const height = bars.length * ROW;
    const svg = select(ref.current!).attr('viewBox', `0 0 ${WIDTH} ${height}`);
    const x = scaleLinear([0, 1], [0, WIDTH - LABEL_WIDTH - VALUE_WIDTH]);
    const rows = svg
      .selectAll<SVGGElement, PosteriorBar>('g.row')
      .data(bars, (d) => d.key)
      .join((enter) => {
        const row = enter.append('g').attr('class', 'row');
        row.append('text').attr('class', 'label').attr('x', LABEL_WIDTH - 8).attr('y', ROW / 2).attr('dy', '0.35em');
        row.append('rect').attr('class', 'track').attr('x', LABEL_WIDTH).attr('y', 4).attr('height', ROW - 8).attr('width', x(1));
        row.append('rect').attr('class', 'bar').attr('x', LABEL_WIDTH).attr('y', 4).attr('height', ROW - 8);
        row.append('text').attr('class', 'value').attr('x', WIDTH - VALUE_WIDTH + 6).attr('y', ROW / 2).attr('dy', '0.35em');
        return row;
      })
      .attr('transform', (_, i) => `translate(0, ${i * ROW})`);
    rows.select('text.label').text((d) => d.label);
    rows
      .select('rect.bar')
      .attr('width', (d) => x(d.probability))
      .attr('data-class-index', (d) => d.classIndex ?? 'rest')
      .attr('data-probability', (d) => d.probability);
    rows.select('text.value').text((d) => formatProbability(d.probability));
  }, [bars]);

  return <svg ref={ref} className="posterior-chart" data-testid="posterior-chart" role="img" aria-label="posterior p(y|x) per class" />;
}
