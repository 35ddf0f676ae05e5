import { axisBottom, scaleLinear, select } from 'd3';
import { useEffect, useRef } from 'react';
import type { ModelInputImage } from '../worker/protocol';
import { type ColorScale, colorize, imageDataUrl } from './raster';

export interface HeatmapProps {
  values: ArrayLike<number>;
  width: number;
  height: number;
  scale: ColorScale;
  extent: [number, number];
  /** Drawn under the map, which then is half transparent. */
  under?: ModelInputImage;
  size?: number;
  /** Coarse grids are shown as blocks, fine ones smoothed by nothing either: every cell stays visible. */
  label: string;
  legend: string;
  testId?: string;
}

const LEGEND_HEIGHT = 44;

/** A map drawn by d3 as an SVG: the image, the colored cells over it, and a color legend with its axis. */
export function Heatmap({ values, width, height, scale, extent, under, size = 220, label, legend, testId }: HeatmapProps) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const h = (size * height) / width;
    const svg = select(ref.current!)
      .attr('viewBox', `0 0 ${size} ${h + LEGEND_HEIGHT}`)
      .attr('width', size)
      .attr('height', h + LEGEND_HEIGHT);
    svg.selectAll('*').remove();
    if (under)
      svg
        .append('image')
        .attr('href', imageDataUrl(under))
        .attr('width', size)
        .attr('height', h)
        .attr('preserveAspectRatio', 'none')
        .attr('style', 'image-rendering: pixelated');
    svg
      .append('image')
      .attr('href', imageDataUrl(colorize(values, width, height, scale, extent)))
      .attr('width', size)
      .attr('height', h)
      .attr('preserveAspectRatio', 'none')
      .attr('opacity', under ? 0.62 : 1)
      .attr('style', 'image-rendering: pixelated');
    const x = scaleLinear(extent, [8, size - 8]);
    const steps = 48;
    const legendGroup = svg.append('g').attr('transform', `translate(0, ${h + 6})`);
    legendGroup
      .selectAll('rect')
      .data(Array.from({ length: steps }, (_, i) => extent[0] + ((i + 0.5) * (extent[1] - extent[0])) / steps))
      .join('rect')
      .attr('x', (d) => x(d) - (size - 16) / steps / 2)
      .attr('width', (size - 16) / steps + 0.5)
      .attr('height', 8)
      .attr('fill', (d) => scale(d));
    legendGroup
      .append('g')
      .attr('transform', 'translate(0, 8)')
      .call(axisBottom(x).ticks(4, '.2~g').tickSizeOuter(0))
      .call((g) => g.selectAll('text').attr('font-size', 11).attr('fill', '#374151'));
    legendGroup
      .append('text')
      .attr('x', size / 2)
      .attr('y', 36)
      .attr('text-anchor', 'middle')
      .attr('font-size', 11)
      .attr('fill', '#6b7280')
      .text(legend);
  }, [values, width, height, scale, extent, under, size, legend]);
  return <svg ref={ref} className="heatmap" role="img" aria-label={label} data-testid={testId} />;
}
