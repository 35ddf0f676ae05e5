import { describe, expect, it } from 'vitest';
import { preprocessImage, type RgbaImage, resizePlane } from '../src/formats/preprocess';

const spec = (channels: number, size: number, resizeShorter: number | null, centerCrop = true) => ({
  input: { channels, height: size, width: size },
  preprocessing: { resizeShorter, centerCrop, mean: Array(channels).fill(0.5), std: Array(channels).fill(0.25) },
});

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, data };
}

describe('preprocessing', () => {
  it('keeps a horizontal gradient a gradient through a non-square resize', () => {
    const w = 80;
    const h = 64;
    const plane = Float32Array.from({ length: w * h }, (_, i) => i % w);
    const [nw, nh] = [69, 55];
    const out = resizePlane(plane, w, h, nw, nh);
    for (let y = 0; y < nh; y++) for (let x = 1; x < nw - 1; x++) expect(Math.abs(out[y * nw + x] - ((x + 0.5) * w) / nw + 0.5)).toBeLessThan(0.2);
  });

  it('resizes the shorter side, center-crops and normalizes (NHWC)', () => {
    // Left half black, right half white, 100x50: shorter side → 10 gives 20x10, crop 10x10 keeps the middle.
    const img = image(100, 50, (x) => (x < 50 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const x = preprocessImage(img, spec(3, 10, 10));
    expect(x).toHaveLength(10 * 10 * 3);
    const at = (row: number, col: number, c: number) => x[(row * 10 + col) * 3 + c];
    expect(at(5, 0, 0)).toBeCloseTo((0 - 0.5) / 0.25, 5);
    expect(at(5, 9, 2)).toBeCloseTo((1 - 0.5) / 0.25, 5);
  });

  it('composites transparency on white and converts color to gray for a 1-channel model', () => {
    const img = image(4, 4, () => [255, 0, 0, 0]);
    const x = preprocessImage(img, spec(1, 4, null, false));
    expect(x).toHaveLength(4 * 4);
    expect(Array.from(x).every((v) => Math.abs(v - (1 - 0.5) / 0.25) < 1e-6)).toBe(true);
    const red = preprocessImage(
      image(4, 4, () => [255, 0, 0, 255]),
      spec(1, 4, null, false),
    );
    expect(red[0]).toBeCloseTo((0.299 - 0.5) / 0.25, 5);
  });

  it('refuses a shape it cannot reach without cropping', () => {
    expect(() =>
      preprocessImage(
        image(8, 4, () => [0, 0, 0, 255]),
        spec(3, 4, 4, false),
      ),
    ).toThrow(/not the model's 4x4/);
  });

  it('computes only the cropped region, with the same numbers as resizing everything and then cropping', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed % 256;
    };
    for (const [w, h, size, shorter] of [
      [37, 23, 8, 10],
      [23, 37, 8, 11],
      [90, 40, 12, 12],
      [13, 9, 13, 13],
    ]) {
      const img = image(w, h, () => [random(), random(), random(), 128 + (random() >> 1)]);
      const x = preprocessImage(img, spec(3, size, shorter));
      // Reference: whole planes resized with resizePlane, then center-cropped.
      const scale = shorter / Math.min(w, h);
      const [tw, th] = h < w ? [Math.max(size, Math.round(w * scale)), shorter] : [shorter, Math.max(size, Math.round(h * scale))];
      const [top, left] = [Math.round((th - size) / 2), Math.round((tw - size) / 2)];
      for (let c = 0; c < 3; c++) {
        const plane = Float32Array.from({ length: w * h }, (_, i) => {
          const a = img.data[4 * i + 3] / 255;
          return (img.data[4 * i + c] * a + 255 * (1 - a)) / 255;
        });
        const resized = resizePlane(plane, w, h, tw, th);
        for (let y = 0; y < size; y++)
          for (let xx = 0; xx < size; xx++) expect(x[(y * size + xx) * 3 + c]).toBe(Math.fround((resized[(top + y) * tw + left + xx] - 0.5) / 0.25));
      }
    }
  });

  it('takes a 1×100,000 strip in bounded time and memory (never the 55×5.5M resized image)', () => {
    const strip: RgbaImage = { width: 1, height: 100000, data: new Uint8Array(4 * 100000).fill(255) };
    const started = performance.now();
    const x = preprocessImage(strip, spec(3, 48, 55));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(x).toHaveLength(48 * 48 * 3);
    expect(x.every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
  });

  it('takes a 48-megapixel photo in bounded time, reading only the rows and columns the crop needs', () => {
    const [w, h] = [8000, 6000];
    const data = new Uint8Array(4 * w * h);
    new Uint32Array(data.buffer).fill(0xffc86400); // R 0, G 100, B 200, A 255 (little-endian)
    const started = performance.now();
    const x = preprocessImage({ width: w, height: h, data }, spec(3, 224, 256));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5000);
    expect(x).toHaveLength(224 * 224 * 3);
    expect(x[1]).toBeCloseTo((100 / 255 - 0.5) / 0.25, 5);
  });
});
