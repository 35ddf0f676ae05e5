import { useEffect, useState } from 'react';
import type { ModelInputImage } from '../worker/protocol';
import { pngBlob } from './raster';

/**
 * An object URL of the image as PNG, null until encoded. The previous URL stays until the next is ready, so that a
 * new map replaces the old one without a blank frame; each is revoked once replaced or unmounted.
 */
export function useImageUrl(image: ModelInputImage | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!image) return setUrl(null);
    let current = true;
    pngBlob(image).then(
      (blob) => current && setUrl(URL.createObjectURL(blob)),
      () => current && setUrl(null),
    );
    return () => {
      current = false;
    };
  }, [image]);
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  return url;
}
