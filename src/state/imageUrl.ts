/** An image dropped as a link: fetched with CORS, within a size cap and a time limit, and checked to be an image before it is decoded. */
import { bytesReader, readImageHeader } from '../formats/imageHeader';
import { messageOf } from './models';

/** The largest image file fetched from a URL: a 108 MP phone JPEG is about 30 MB. */
export const MAX_URL_IMAGE_BYTES = 32 * 1024 * 1024;
export const URL_TIMEOUT_MS = 20_000;

/** Says why an image URL gave no image; the message is for the user. */
export class ImageUrlError extends Error {
  constructor(
    readonly reason: 'not-a-url' | 'blocked' | 'http' | 'not-an-image' | 'too-large' | 'timed-out',
    message: string,
  ) {
    super(message);
    this.name = 'ImageUrlError';
  }
}

/** The http(s) URL in dropped text (a uri-list's first link, or the text itself), or null. */
export function droppedUrl(text: string): URL | null {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (!line || /\s/.test(line)) return null;
  try {
    const url = new URL(line);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** The file name a URL's image is shown under. */
export function urlImageName(url: URL): string {
  const last = decodeURIComponent(url.pathname.split('/').pop() ?? '').slice(0, 80);
  return last ? `${last} (${url.host})` : `image from ${url.host}`;
}

interface FetchOptions {
  maxBytes?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The image at `url` as a Blob; throws ImageUrlError saying why not. */
export async function fetchImageUrl(
  url: URL,
  how: 'dropped' | 'pasted' = 'dropped',
  { maxBytes = MAX_URL_IMAGE_BYTES, timeoutMs = URL_TIMEOUT_MS, fetch: get = fetch }: FetchOptions = {},
): Promise<Blob> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const host = url.host;
  try {
    let response: Response;
    try {
      response = await get(url.href, { mode: 'cors', credentials: 'omit', signal: controller.signal });
    } catch (e) {
      if (controller.signal.aborted) throw timedOut(host, timeoutMs);
      throw new ImageUrlError(
        'blocked',
        `${host} did not let this page read the image: the server does not allow other sites to fetch it (no CORS permission), or it could not be reached (${messageOf(e)}). ` +
          'Save the image and use the file instead.',
      );
    }
    if (!response.ok) throw new ImageUrlError('http', `${host} answered HTTP ${response.status} for the ${how} link; no image was fetched.`);
    const declared = Number(response.headers.get('content-length'));
    if (declared > maxBytes) throw tooLarge(host, maxBytes, how);
    const bytes = await readCapped(response, maxBytes, host, controller.signal, timeoutMs, how);
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!(await readImageHeader(bytesReader(bytes))) && !type.startsWith('image/'))
      throw new ImageUrlError(
        'not-an-image',
        `The dropped link is not an image: ${host} sent ${type ? `“${type}”` : 'data of no stated type'} that is not PNG, JPEG, GIF, WebP or BMP.`,
      );
    return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: type.startsWith('image/') ? type : '' });
  } finally {
    clearTimeout(timer);
  }
}

/** The body, stopped as soon as it passes maxBytes. */
async function readCapped(
  response: Response,
  maxBytes: number,
  host: string,
  signal: AbortSignal,
  timeoutMs: number,
  how: 'dropped' | 'pasted',
): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        void reader.cancel();
        throw tooLarge(host, maxBytes, how);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (signal.aborted) throw timedOut(host, timeoutMs);
    throw e;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const tooLarge = (host: string, max: number, how: 'dropped' | 'pasted') =>
  new ImageUrlError('too-large', `The file at ${host} is too large to fetch: over the ${mib(max)} limit for ${how} links. Save it and use the file instead.`);
const timedOut = (host: string, ms: number) => new ImageUrlError('timed-out', `${host} did not send the image within ${ms / 1000} s; the fetch was stopped.`);
