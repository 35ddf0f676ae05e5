/** What was dropped or pasted on the page: files (the first is used, and the others are named), an image URL, or text. */
import type { AppState } from './appState';
import { droppedUrl, fetchImageUrl, urlImageName } from './imageUrl';
import { messageOf } from './models';

type Set = (partial: Partial<AppState>) => void;

export interface Dropped {
  files: File[];
  /** The drop's text/uri-list, else its text/plain; null when it carries none. */
  text: string | null;
  /** How it came: the words say so. */
  how: 'dropped' | 'pasted';
}

export const isCheckpoint = (file: File) => /\.(pt|pth)$/i.test(file.name);

export function createDropActions(set: Set, chooseInput: (file: Blob, name: string) => Promise<void>, convert: (file: File) => Promise<void>) {
  // Only the newest drop may say what happened.
  let dropToken = 0;
  const say = (token: number, ok: boolean, message: string) => {
    if (token === dropToken) set({ inputNotice: { ok, message } });
  };

  return {
    async dropInput({ files, text, how }: Dropped): Promise<void> {
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
            `${files.length} files ${how}; ${isCheckpoint(first) ? 'converting' : 'explaining'} ${name}, the first. Use one file at a time to explain another.`,
          );
        return started;
      }
      const url = text === null ? null : droppedUrl(text);
      if (!url) {
        say(
          token,
          false,
          text?.trim()
            ? `The ${how} text is not an image or an image URL: use an image file, or a link to an image (http or https).`
            : `What was ${how} holds neither a file nor text: nothing was changed.`,
        );
        return;
      }
      say(token, true, `Fetching the image at ${url.host}…`);
      try {
        const blob = await fetchImageUrl(url, how);
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
