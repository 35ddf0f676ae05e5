/** What was dropped or pasted on the page: files (the first is used, and the others are named), an image URL, or text. */
import type { AppState } from './appState';
import { droppedUrl, fetchImageUrl, urlImageName } from './imageUrl';
import { messageOf } from './models';

type Set = (partial: Partial<AppState>) => void;

export interface Dropped {
  files: File[];
  /** The drop's text/uri-list, else its text/plain; null when it carries none. */
  text: string | null;
}

export const isCheckpoint = (file: File) => /\.(pt|pth)$/i.test(file.name);

export function createDropActions(set: Set, chooseInput: (file: Blob, name: string) => Promise<void>, convert: (file: File) => Promise<void>) {
  // Only the newest drop may say what happened.
  let dropToken = 0;
  const say = (token: number, ok: boolean, message: string) => {
    if (token === dropToken) set({ inputNotice: { ok, message } });
  };

  return {
    async dropInput({ files, text }: Dropped): Promise<void> {
      const token = ++dropToken;
      set({ inputNotice: null });
      const [first] = files;
      if (first) {
        const name = first.name || 'pasted image';
        const started = isCheckpoint(first) ? convert(first) : chooseInput(first, name);
        if (files.length > 1)
          say(
            token,
            true,
            `${files.length} files dropped; ${isCheckpoint(first) ? 'converting' : 'explaining'} ${name}, the first. Drop one file at a time to use another.`,
          );
        return started;
      }
      const url = text === null ? null : droppedUrl(text);
      if (!url) {
        say(
          token,
          false,
          text?.trim()
            ? 'The dropped text is not an image or an image URL: drop an image file, or a link to an image (http or https).'
            : 'The drop carried neither a file nor text: nothing was changed.',
        );
        return;
      }
      say(token, true, `Fetching the image at ${url.host}…`);
      try {
        const blob = await fetchImageUrl(url);
        if (token !== dropToken) return;
        set({ inputNotice: null });
        await chooseInput(blob, urlImageName(url));
      } catch (e) {
        say(token, false, messageOf(e));
      }
    },

    dismissInputNotice(): void {
      set({ inputNotice: null });
    },
  };
}
