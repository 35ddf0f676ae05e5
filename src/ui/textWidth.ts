/**
 * Widths of text in the page's font, measured on a canvas and remembered: asking an SVG text element
 * (getComputedTextLength) lays out the whole page, and charts redraw at every slider step.
 */
const widths = new Map<string, number>();
let measuring: { context: CanvasRenderingContext2D; family: string } | null = null;

/** The width in CSS pixels of `text` at `sizePx` in the root element's font family. */
export function textWidth(text: string, sizePx: number): number {
  const key = `${sizePx} ${text}`;
  let width = widths.get(key);
  if (width === undefined) {
    measuring ??= {
      context: document.createElement('canvas').getContext('2d')!,
      family: getComputedStyle(document.documentElement).fontFamily,
    };
    measuring.context.font = `${sizePx}px ${measuring.family}`;
    width = measuring.context.measureText(text).width;
    widths.set(key, width);
  }
  return width;
}
