/** Why a checkpoint could not be read; `code` is stable for programs, `message` is for people. */
export type CheckpointErrorCode =
  /** Not a torch.save file at all (an image, text, a plain zip or pickle). */
  | 'not-a-checkpoint'
  /** The file ends early (interrupted download or copy). */
  | 'truncated'
  /** The pickle names a Python global outside the allow-list. */
  | 'forbidden-global'
  /** A zip entry is compressed; torch.save always stores entries uncompressed. */
  | 'unsupported-compression'
  /** The pickle stream is malformed or abuses a limit. */
  | 'bad-pickle'
  /** The zip structure is malformed. */
  | 'bad-zip'
  /** A storage is missing, has the wrong size or an unknown type. */
  | 'bad-storage'
  /** A tensor's shape, strides and offset reach past its storage. */
  | 'tensor-exceeds-storage'
  /** Declares more elements, classes or channels than GC Lens's resource budget allows (src/formats/limits.ts). */
  | 'too-large'
  /** Well-formed but uses something this reader does not handle (big-endian data, other versions). */
  | 'unsupported';

export class CheckpointError extends Error {
  readonly code: CheckpointErrorCode;

  constructor(code: CheckpointErrorCode, message: string) {
    super(oneLine(message));
    this.name = 'CheckpointError';
    this.code = code;
  }
}

/**
 * Messages quote names from the file (zip entry names, pickle strings): control characters become '?'
 * and the message stays under 600 characters, so that a hostile file cannot break the line or flood it.
 */
function oneLine(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  const printable = message.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 599 ? `${printable.slice(0, 598)}…` : printable;
}
