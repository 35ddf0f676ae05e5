import type { Kind } from './kinds';

export interface Outcome {
  known: boolean;
  /** A short label for the summary: 'ok', the error class and code, or the unknown error's name. */
  label: string;
  message?: string;
}

const IMAGE_MESSAGES = [
  / is neither a PNG nor a JPEG image$/,
  / is a JPEG without a frame header: it is damaged or cut short$/,
  / could not be decoded as a (PNG|JPEG): /,
];

/** Whether an error is one GC Lens means to give for this kind of input. */
export function classifyError(kind: Kind, e: unknown): Outcome {
  const err = e as { name?: string; message?: string; code?: string } | null;
  const name = err?.name ?? typeof e;
  const message = err?.message ?? String(e);
  const known = (label: string): Outcome => ({ known: true, label, message });
  const unknown: Outcome = { known: false, label: `unknown ${name}`, message };
  if (typeof message !== 'string' || message.includes('\n') || message.length > 2000) return { ...unknown, label: `unworded ${name}` };
  if (kind === 'checkpoint') {
    if (name === 'CheckpointError') return known(`CheckpointError ${err?.code}`);
    if (name === 'ArchitectureError') return known('ArchitectureError');
    if (name === 'ModelSpecError') return known('ModelSpecError');
  }
  if (kind === 'package') {
    if (name === 'ModelSpecError') return known('ModelSpecError');
    if (name === 'NonFiniteOutputError') return known('NonFiniteOutputError');
    // Checked when the layer is built rather than by validateModelSpec, but worded: reported, not a finding.
    if (name === 'Error' && /^weight "[^"]{1,80}" is not a permutation: /.test(message)) return known('Error not-a-permutation');
  }
  if (kind === 'image') {
    if (name === 'ImageSizeError') return known('ImageSizeError');
    if (name === 'Error' && IMAGE_MESSAGES.some((m) => m.test(message))) {
      // A decoder's own failure, wrapped: still unknown when it is a crash of the decoder rather than a verdict on the file.
      if (/Maximum call stack|out of bounds|Invalid (typed )?array length|undefined$/.test(message)) return unknown;
      return known(`Error ${IMAGE_MESSAGES.findIndex((m) => m.test(message))}`);
    }
  }
  return unknown;
}
