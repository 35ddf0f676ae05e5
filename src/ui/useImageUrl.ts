import { useEffect, useState } from 'react';
import type { ModelInputImage } from '../worker/protocol';
import { pngDataUrl } from './raster';

/**
 * The image as a PNG data URL, null until encoded. The previous URL stays until the next is ready, so that a new map
 * replaces the old one without a blank frame.
 */
export function useImageUrl(image: ModelInputImage | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!image) return setUrl(null);
    let current = true;
    pngDataUrl(image).then(
      (made) => current && setUrl(made),
      () => current && setUrl(null),
    );
    return () => {
      current = false;
    };
  }, [image]);
  return url;
}
