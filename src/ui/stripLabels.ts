/** Where the labels under a latent strip go: no two touch, none leaves the strip. */

/** A label's line under the axis (0 = first) and its center in strip pixels. */
export interface PlacedLabel {
  line: number;
  center: number;
}

/** Least space between two labels on one line, in pixels. */
const LABEL_GAP = 6;

/**
 * Each label in turn takes the first line where it touches none placed before it; its center moves inward just
 * enough to keep it inside [0, stripWidth] (a label wider than the strip starts at 0).
 */
export function placeLabels(labels: { x: number; width: number }[], stripWidth: number): PlacedLabel[] {
  const lines: [number, number][][] = [];
  return labels.map(({ x, width }) => {
    const half = width / 2;
    const center = Math.max(half, Math.min(x, stripWidth - half));
    const span: [number, number] = [center - half, center + half];
    let line = lines.findIndex((taken) => taken.every(([from, to]) => span[1] + LABEL_GAP <= from || to + LABEL_GAP <= span[0]));
    if (line < 0) line = lines.push([]) - 1;
    lines[line].push(span);
    return { line, center };
  });
}

/** Lines a strip keeps room for: those the fixed labels take, and one more for the label that moves (placed last). */
export function linesWithMovingLabel(placed: PlacedLabel[]): number {
  return 2 + Math.max(-1, ...placed.slice(0, -1).map((p) => p.line));
}
