/** Byte codecs for links: raw deflate through the platform's (de)compression streams, and base64url. */

export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export type InflateResult = { ok: true; bytes: Uint8Array } | { ok: false; problem: 'too-large' | 'damaged' };

/**
 * Inflates a raw deflate stream that must produce exactly `size` bytes. Reading stops as soon as
 * the output would pass `size`, so a deflate bomb costs at most `size` bytes plus one chunk.
 */
export async function inflateRawExactly(bytes: Uint8Array, size: number): Promise<InflateResult> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const out = new Uint8Array(size);
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > size) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, problem: 'too-large' };
      }
      out.set(value, length);
      length += value.length;
    }
  } catch {
    return { ok: false, problem: 'damaged' };
  }
  return length === size ? { ok: true, bytes: out } : { ok: false, problem: 'damaged' };
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** null unless text is unpadded base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
