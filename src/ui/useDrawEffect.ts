import { type DependencyList, useEffect } from 'react';

/**
 * The effect of a d3 chart: it draws in the next animation frame, not in the task that rendered. A worker result then
 * renders in one task and its charts draw in another (at 224² the two together held the main thread over 50 ms), and
 * a chart given new data twice in a frame draws once. The frame paints after it draws, so no chart shows half drawn.
 */
export function useDrawEffect(draw: () => void, deps: DependencyList): void {
  useEffect(() => {
    const frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
    // biome-ignore lint/correctness/useExhaustiveDependencies: the callers' dependencies, checked where they call it (biome.json)
  }, deps);
}
