import { describe, expect, it } from 'vitest';
import { droppedUrl, fetchImageUrl, ImageUrlError, urlImageName } from '../src/state/imageUrl';

const PNG_HEAD = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 8, 0, 0, 0, 8, 8, 6, 0, 0, 0]);
const url = new URL('https://img.test/a/seven.png');

/** The error fetchImageUrl throws with this fetch. */
async function failure(get: typeof fetch, options: { maxBytes?: number; timeoutMs?: number } = {}): Promise<ImageUrlError> {
  const error = await fetchImageUrl(url, 'dropped', { fetch: get, ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ImageUrlError)) throw new Error(`expected an ImageUrlError, got ${String(error)}`);
  return error;
}

describe('dropped image links', () => {
  it('finds the http(s) link in a uri-list or plain text, and nothing else', () => {
    expect(droppedUrl('# from a page\r\nhttps://img.test/a.png\r\nhttps://img.test/b.png')?.href).toBe('https://img.test/a.png');
    expect(droppedUrl('  http://img.test/a.png  ')?.href).toBe('http://img.test/a.png');
    expect(droppedUrl('a seven, I think')).toBeNull();
    expect(droppedUrl('javascript:alert(1)')).toBeNull();
    expect(droppedUrl('file:///etc/passwd')).toBeNull();
    expect(droppedUrl('data:image/png;base64,AAAA')).toBeNull();
    expect(urlImageName(url)).toBe('seven.png (img.test)');
    expect(urlImageName(new URL('https://img.test/'))).toBe('image from img.test');
  });

  it('fetches an image in CORS mode without credentials and keeps its type', async () => {
    let init: RequestInit | undefined;
    const blob = await fetchImageUrl(url, 'dropped', {
      fetch: async (_u, i) => {
        init = i;
        return new Response(PNG_HEAD, { headers: { 'content-type': 'image/png' } });
      },
    });
    expect(init).toMatchObject({ mode: 'cors', credentials: 'omit' });
    expect(blob.type).toBe('image/png');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(PNG_HEAD);
  });

  it('accepts image bytes sent without an image type, and refuses other data', async () => {
    const untyped = await fetchImageUrl(url, 'dropped', {
      fetch: async () => new Response(PNG_HEAD, { headers: { 'content-type': 'application/octet-stream' } }),
    });
    expect(untyped.size).toBe(PNG_HEAD.length);
    const html = await failure(async () => new Response('<!doctype html>', { headers: { 'content-type': 'text/html; charset=utf-8' } }));
    expect([html.reason, html.message]).toEqual([
      'not-an-image',
      'The dropped link is not an image: img.test sent “text/html” that is not PNG, JPEG, GIF, WebP or BMP.',
    ]);
  });

  it('says a blocked or unreachable server did not let the page read the image', async () => {
    const e = await failure(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(e.reason).toBe('blocked');
    expect(e.message).toMatch(/^img\.test did not let this page read the image: .*no CORS permission.*Failed to fetch.*use the file instead\.$/);
  });

  it('says which HTTP status the server answered', async () => {
    const e = await failure(async () => new Response('gone', { status: 404 }));
    expect([e.reason, e.message]).toEqual(['http', 'img.test answered HTTP 404 for the dropped link; no image was fetched.']);
  });

  it('stops at the size cap, whether the server declares the size or not', async () => {
    const declared = await failure(async () => new Response(PNG_HEAD, { headers: { 'content-length': String(64 * 1024 * 1024) } }), { maxBytes: 1024 });
    expect(declared.reason).toBe('too-large');
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(512));
      },
    });
    const streamed = await failure(async () => new Response(endless), { maxBytes: 4096 });
    expect([streamed.reason, streamed.message]).toEqual([
      'too-large',
      'The file at img.test is too large to fetch: over the 0.0 MiB limit for dropped links. Save it and use the file instead.',
    ]);
    expect(pulled).toBeLessThan(20);
  });

  it('gives up after the time limit, before the headers and while the body is slow', async () => {
    const hanging: typeof fetch = (_u, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const started = Date.now();
    const e = await failure(hanging, { timeoutMs: 50 });
    expect([e.reason, e.message]).toEqual(['timed-out', 'img.test did not send the image within 0.05 s; the fetch was stopped.']);
    expect(Date.now() - started).toBeLessThan(2000);
    const slowBody: typeof fetch = async (_u, init) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(PNG_HEAD);
            init?.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
          },
        }),
      );
    expect((await failure(slowBody, { timeoutMs: 50 })).reason).toBe('timed-out');
  });
});
