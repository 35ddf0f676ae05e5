import type { StoredModel } from '../storage/packageStore';
import type { ModelSource } from '../worker/protocol';
import type { GalleryImage, LoadedModel, ModelChoice } from './appState';

export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A stored model as a picker entry. */
export function storedChoice(m: StoredModel): ModelChoice {
  const choice: ModelChoice = { id: m.id, name: m.name, description: m.description, path: '', bytes: m.bytes, origin: 'stored' };
  return m.sourceSha256 ? { ...choice, source: { file: m.sourceFile, sha256: m.sourceSha256 } } : choice;
}

export const modelSource = (entry: ModelChoice, url: (path: string) => string): ModelSource =>
  entry.origin === 'stored' ? { storedId: entry.id } : { modelUrl: url(`${entry.path}/`) };

/**
 * Gallery images for a model: those made for it by id or for its input shape (input:CxHxW) first,
 * so the page opens on one of them, then those for any model.
 */
export function galleryFor(gallery: GalleryImage[], model: LoadedModel | null): GalleryImage[] {
  if (!model) return [];
  const { channels, height, width } = model.spec.input;
  const own = [model.entry.id, `input:${channels}x${height}x${width}`];
  const isOwn = (g: GalleryImage) => g.models.some((m) => own.includes(m));
  return [...gallery.filter(isOwn), ...gallery.filter((g) => !isOwn(g) && g.models.includes('any'))];
}
