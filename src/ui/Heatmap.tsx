import { scaleLinear, select } from 'd3';
import { useMemo, useRef } from 'react';
import type { ModelInputImage } from '../worker/protocol';
import { formatLegendTick } from './format';
import { type ColorMap, colorize } from './raster';
import { useDrawEffect } from './useDrawEffect';
import { useImageUrl } from './useImageUrl';

export interface HeatmapProps {
  values: ArrayLike<number>;
  width: number;
  height: number;
  colors: ColorMap;
  /** Drawn under the map, which then is half transparent. */
  under?: ModelInputImage;
  size?: number;
  /** Coarse grids are shown as blocks, fine ones smoothed by nothing either: every cell stays visible. */
  label: string;
  legend: string;
  testId?: string;
}

const LEGEND_HEIGHT = 48;

/** A map drawn by d3 as an SVG: the image, the colored cells over it, and a color legend with its axis. */
export function Heatmap({ values, width, height, colors, under, size = 220, label, legend, testId }: HeatmapProps) {
  const ref = useRef<SVGSVGElement>(null);
  const cells = useMemo(() => colorize(values, width, height, colors), [values, width, height, colors]);
  const underUrl = useImageUrl(under);
  const cellsUrl = useImageUrl(cells);
  useDrawEffect(ref, () => {
    const h = (size * height) / width;
    const svg = select(ref.current!)
      .attr('viewBox', `0 0 ${size} ${h + LEGEND_HEIGHT}`)
      .attr('width', size)
      .attr('height', h + LEGEND_HEIGHT);
    // Kept elements, new hrefs: the images load without the map going blank in between.
    svg
      .selectAll('image')
      .data([under && underUrl, cellsUrl].filter((url) => url !== undefined))
      .join('image')
      .attr('href', (url) => url)
      .attr('width', size)
      .attr('height', h)
      .attr('preserveAspectRatio', 'none')
      .attr('opacity', (_, i) => (under && i === 1 ? 0.62 : 1))
      .attr('style', 'image-rendering: pixelated');
  }, [under, underUrl, cellsUrl, width, height, size]);
  useDrawEffect(ref, () => {
    const { scale, extent } = colors;
    const h = (size * height) / width;
    const x = scaleLinear(extent, [8, size - 8]);
    const steps = 48;
    select(ref.current!).selectAll('g.legend').remove();
    const legendGroup = select(ref.current!)
      .append('g')
      .attr('class', 'legend')
      .attr('transform', `translate(0, ${h + 6})`);
    legendGroup
      .selectAll('rect')
      .data(Array.from({ length: steps }, (_, i) => extent[0] + ((i + 0.5) * (extent[1] - extent[0])) / steps))
      .join('rect')
      .attr('x', (d) => x(d) - (size - 16) / steps / 2)
      .attr('width', (size - 16) / steps + 0.5)
      .attr('height', 8)
      .attr('fill', (d) => scale(d));
    const ticks = legendTicks(extent).map((value, i, all) => ({ value, anchor: i === 0 ? 'start' : i === all.length - 1 ? 'end' : 'middle' }));
    const tick = legendGroup
      .selectAll('g.tick')
      .data(ticks)
      .join('g')
      .attr('class', 'tick')
      .attr('transform', (d) => `translate(${x(d.value)}, 8)`);
    tick.append('line').attr('y2', 4).attr('stroke', '#374151');
    tick
      .append('text')
      .attr('y', 14)
      .attr('text-anchor', (d) => d.anchor)
      .attr('font-size', 11)
      .attr('fill', '#374151')
      .text((d) => formatLegendTick(d.value));
    legendGroup
      .append('text')
      .attr('x', size / 2)
      .attr('y', 38)
      .attr('text-anchor', 'middle')
      .attr('font-size', 11)
      .attr('fill', '#6b7280')
      .text(legend);
  }, [colors, width, height, size, legend]);
  return <svg ref={ref} className="heatmap" role="img" aria-label={label} data-testid={testId} />;
}

/**
 * The legend's labelled values: both ends, and the middle (zero on a diverging scale). The end labels
 * are anchored inward, so that none is clipped and three short labels fit under the smallest map.
 */
function legendTicks([lo, hi]: [number, number]): number[] {
  return lo < 0 && hi > 0 ? [lo, 0, hi] : [lo, (lo + hi) / 2, hi];
}
