/** Built-in inputs, drawn on the fly so that the repository ships no image files. */
export interface Sample {
  name: string;
  draw(context: OffscreenCanvasRenderingContext2D, width: number, height: number): void;
}

// Not square, so that the model's resize and centre crop show.
const WIDTH = 128;
const HEIGHT = 96;

export const SAMPLES: Sample[] = [
  {
    name: 'Gradient',
    draw(context, width, height) {
      const gradient = context.createLinearGradient(0, 0, width, height);
      gradient.addColorStop(0, '#1d4ed8');
      gradient.addColorStop(0.5, '#f59e0b');
      gradient.addColorStop(1, '#dc2626');
      context.fillStyle = gradient;
      context.fillRect(0, 0, width, height);
    },
  },
  {
    name: 'Checkerboard',
    draw(context, width, height) {
      const cell = 12;
      for (let y = 0; y < height; y += cell)
        for (let x = 0; x < width; x += cell) {
          context.fillStyle = (x + y) / cell % 2 === 0 ? '#111827' : '#f9fafb';
          context.fillRect(x, y, cell, cell);
        }
    },
  },
  {
    name: 'Rings',
    draw(context, width, height) {
      context.fillStyle = '#ecfdf5';
      context.fillRect(0, 0, width, height);
      context.lineWidth = 6;
      for (let r = 40; r > 0; r -= 10) {
        context.strokeStyle = r % 20 === 0 ? '#047857' : '#7c3aed';
        context.beginPath();
        context.arc(width / 2, height / 2, r, 0, 2 * Math.PI);
        context.stroke();
      }
    },
  },
];

export async function renderSample(sample: Sample): Promise<Blob> {
  const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser has no 2D canvas');
  sample.draw(context, WIDTH, HEIGHT);
  return canvas.convertToBlob({ type: 'image/png' });
}
