/** A panel's pictures (its SVG charts and canvases), or one chart, as one SVG or PNG file, stacked in page order below a caption. */

const GAP = 12;
const SVG_NS = 'http://www.w3.org/2000/svg';
const TITLE_SIZE = 15;
const LINE_SIZE = 11;
const LINE_HEIGHT = 15;

/** What every export says about itself. */
export interface ExportContext {
  title: string;
  /** The model's name (both, for a comparison). */
  model: string;
  /** The class(es) the panel uses, in words. */
  classes: string;
  /** How it was computed. */
  method: string;
  /** Further lines, e.g. the latent editor's slider labels and values. */
  details?: string[];
}

/** The caption of an export: the one place that words it, so that every panel's export says the same things. */
export function exportCaption({ title, model, classes, method, details = [] }: ExportContext): { title: string; lines: string[] } {
  return { title, lines: [`model: ${model}`, `class: ${classes}`, `method: ${method}`, ...details] };
}

type Picture = HTMLCanvasElement | SVGSVGElement;

/** Every picture of a panel, in rows as wide as the panel. */
export function exportPanel(panel: HTMLElement, name: string, format: 'png' | 'svg', context: ExportContext): Promise<void> {
  return exportPictures([...panel.querySelectorAll<Picture>('svg, canvas')], Math.max(600, panel.clientWidth), name, format, context);
}

/** One chart alone, under the same caption as a panel's export. */
export function exportPicture(picture: Picture, name: string, format: 'png' | 'svg', context: ExportContext): Promise<void> {
  return exportPictures([picture], 0, name, format, context);
}

async function exportPictures(pictures: Picture[], maxWidth: number, name: string, format: 'png' | 'svg', context: ExportContext): Promise<void> {
  const svg = composeSvg(pictures, maxWidth, exportCaption(context));
  const text = new XMLSerializer().serializeToString(svg);
  if (format === 'svg') return download(new Blob([text], { type: 'image/svg+xml' }), `${name}.svg`);
  const width = Number(svg.getAttribute('width'));
  const height = Number(svg.getAttribute('height'));
  const image = new Image();
  image.src = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = width * 2;
  canvas.height = height * 2;
  const context2d = canvas.getContext('2d')!;
  context2d.fillStyle = '#fff';
  context2d.fillRect(0, 0, canvas.width, canvas.height);
  context2d.drawImage(image, 0, 0, canvas.width, canvas.height);
  URL.revokeObjectURL(image.src);
  const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/png'));
  if (!blob) throw new Error(`the PNG of ${name} could not be made (${canvas.width}×${canvas.height} pixels)`);
  download(blob, `${name}.png`);
}

function svgText(text: string, y: number, size: number, weight = 'normal'): SVGTextElement {
  const element = document.createElementNS(SVG_NS, 'text');
  element.setAttribute('x', '0');
  element.setAttribute('y', String(y));
  element.setAttribute('font-family', 'sans-serif');
  element.setAttribute('font-size', String(size));
  element.setAttribute('font-weight', weight);
  element.setAttribute('fill', '#111827');
  element.textContent = text;
  return element;
}

/** <title> and <desc> for readers and search, then the same words as visible text: a caption band above the pictures. */
function appendCaption(out: SVGSVGElement, caption: { title: string; lines: string[] }): number {
  const title = document.createElementNS(SVG_NS, 'title');
  title.textContent = caption.title;
  const desc = document.createElementNS(SVG_NS, 'desc');
  desc.textContent = caption.lines.join('\n');
  out.append(title, desc, svgText(caption.title, TITLE_SIZE + 1, TITLE_SIZE, 'bold'));
  let y = TITLE_SIZE + 4;
  for (const line of caption.lines.flatMap(wrapLine)) {
    y += LINE_HEIGHT;
    out.append(svgText(line, y, LINE_SIZE));
  }
  return y + GAP;
}

/** Most characters a visible caption line holds: a long method wraps instead of widening a one-chart export. */
const LINE_CHARS = 96;

/** A line cut at spaces into pieces of at most LINE_CHARS characters (a longer word stays whole). */
function wrapLine(line: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const word of line.split(' ')) {
    if (piece && piece.length + 1 + word.length > LINE_CHARS) {
      pieces.push(piece);
      piece = `  ${word}`;
    } else piece = piece ? `${piece} ${word}` : word;
  }
  return [...pieces, piece];
}

/** Width the caption needs, estimated at 0.6 em a character (no layout engine on a detached SVG). */
const captionWidth = (caption: { title: string; lines: string[] }) =>
  Math.max(caption.title.length * TITLE_SIZE * 0.6, ...caption.lines.flatMap(wrapLine).map((l) => l.length * LINE_SIZE * 0.6));

function composeSvg(pictures: Picture[], maxWidth: number, caption: { title: string; lines: string[] }): SVGSVGElement {
  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  let y = appendCaption(out, caption);
  let x = 0;
  let rowHeight = 0;
  let width = Math.max(300, captionWidth(caption));
  for (const element of pictures) {
    const box = element.getBoundingClientRect();
    if (box.width === 0) continue;
    if (x > 0 && x + box.width > maxWidth) {
      y += rowHeight + GAP;
      x = 0;
      rowHeight = 0;
    }
    const placed = element instanceof HTMLCanvasElement ? canvasImage(element, box) : (element.cloneNode(true) as SVGSVGElement);
    placed.setAttribute('x', String(x));
    placed.setAttribute('y', String(y));
    placed.setAttribute('width', String(box.width));
    placed.setAttribute('height', String(box.height));
    out.append(placed);
    x += box.width + GAP;
    rowHeight = Math.max(rowHeight, box.height);
    width = Math.max(width, x);
  }
  out.setAttribute('width', String(Math.ceil(width)));
  out.setAttribute('height', String(Math.ceil(y + rowHeight + GAP)));
  return out;
}

function canvasImage(canvas: HTMLCanvasElement, box: DOMRect): SVGImageElement {
  const image = document.createElementNS(SVG_NS, 'image');
  image.setAttribute('href', canvas.toDataURL('image/png'));
  image.setAttribute('preserveAspectRatio', 'none');
  image.setAttribute('style', 'image-rendering: pixelated');
  image.setAttribute('width', String(box.width));
  return image;
}

/** Announced on window before each download: tests read the files here (browsers may hold back repeated downloads). */
export const DOWNLOAD_EVENT = 'gc-lens-download';

export function download(blob: Blob, fileName: string): void {
  window.dispatchEvent(new CustomEvent(DOWNLOAD_EVENT, { detail: { blob, fileName } }));
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
