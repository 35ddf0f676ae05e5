import { useEffect, useRef } from 'react';
import type { ModelInputImage } from '../worker/protocol';

/** One image drawn pixel for pixel and scaled up by CSS without smoothing. */
export function ImageCanvas({ image, size = 160, label, testId }: { image: ModelInputImage; size?: number; label: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    ref.current?.getContext('2d')?.putImageData(new ImageData(image.rgba, image.width, image.height), 0, 0);
  }, [image]);
  return (
    <canvas
      ref={ref}
      width={image.width}
      height={image.height}
      className="pixels"
      style={{ width: size, height: (size * image.height) / image.width }}
      role="img"
      aria-label={label}
      data-testid={testId}
    />
  );
}
