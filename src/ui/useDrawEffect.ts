import { type DependencyList, type RefObject, useLayoutEffect } from 'react';

/**
 * The effect of a d3 chart: it draws in the next animation frame, not in the task that rendered. A worker result then
 * renders in one task and its charts draw in another (at 224² the two together held the main thread over 50 ms), and
 * a chart given new data twice in a frame draws once. The frame paints after it draws, so no chart shows half drawn.
 * Until it has drawn, the chart is aria-busy, marked as the render commits, so that no reader takes the old drawing
 * for the new data.
 */
export function useDrawEffect(chart: RefObject<SVGSVGElement | null>, draw: () => void, deps: DependencyList): void {
  useLayoutEffect(() => {
    const svg = chart.current!;
    svg.setAttribute('aria-busy', 'true');
    const frame = requestAnimationFrame(() => {
      draw();
      svg.removeAttribute('aria-busy');
    });
    return () => cancelAnimationFrame(frame);
    // biome-ignore lint/correctness/useExhaustiveDependencies: the callers' dependencies, checked where they call it (biome.json)
  }, deps);
}
