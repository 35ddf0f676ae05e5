import type { ModelSource } from '../worker/protocol';
import type { GalleryImage, LoadedModel, ModelChoice } from './appState';

export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const modelSource = (entry: ModelChoice, url: (path: string) => string): ModelSource =>
  entry.origin === 'stored' ? { storedId: entry.id } : { modelUrl: url(`${entry.path}/`) };

/** Gallery images for a model: made for it by id, for its input shape (input:CxHxW), or for any model. */
export function galleryFor(gallery: GalleryImage[], model: LoadedModel | null): GalleryImage[] {
  if (!model) return [];
  const { channels, height, width } = model.spec.input;
  const tags = ['any', model.entry.id, `input:${channels}x${height}x${width}`];
  return gallery.filter((g) => g.models.some((m) => tags.includes(m)));
}
