/** A panel's pictures (its SVG charts and canvases) as one SVG or PNG file, stacked in page order. */

const GAP = 12;
const SVG_NS = 'http://www.w3.org/2000/svg';

export async function exportPanel(panel: HTMLElement, name: string, format: 'png' | 'svg'): Promise<void> {
  const svg = composeSvg(panel);
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
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  URL.revokeObjectURL(image.src);
  const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/png'));
  if (!blob) throw new Error(`the PNG of ${name} could not be made (${canvas.width}×${canvas.height} pixels)`);
  download(blob, `${name}.png`);
}

function composeSvg(panel: HTMLElement): SVGSVGElement {
  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  const title = panel.querySelector('h2')?.textContent?.trim() ?? '';
  const heading = document.createElementNS(SVG_NS, 'text');
  heading.setAttribute('x', '0');
  heading.setAttribute('y', '16');
  heading.setAttribute('font-family', 'sans-serif');
  heading.setAttribute('font-size', '15');
  heading.textContent = title;
  out.append(heading);
  let y = 28;
  let x = 0;
  let rowHeight = 0;
  let width = 300;
  const maxWidth = Math.max(600, panel.clientWidth);
  for (const element of panel.querySelectorAll<HTMLElement | SVGSVGElement>('svg, canvas')) {
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
