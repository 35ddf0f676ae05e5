/**
 * What a latent-editor slider moves z along. Links and element ids spell it `toward-<b>`,
 * `dim-<i>`, `pc-<j>` or `residual`; everywhere else it is this typed value.
 */
export type SliderId =
  /** From the image's class toward class `to` (1 = all the way). */
  | { kind: 'toward'; to: number }
  /** Latent dimension `index`. */
  | { kind: 'dimension'; index: number }
  /** Principal direction `index` of the class means. */
  | { kind: 'principal'; index: number }
  /** The part of z the class means do not explain. */
  | { kind: 'residual' };

const PREFIXES = { toward: 'toward', dimension: 'dim', principal: 'pc' } as const;
/** Indices are written without leading zeros, so each id has exactly one spelling. */
const INDEXED = /^(toward|dim|pc)-(0|[1-9]\d{0,8})$/;

/** The id a slider's text names, or null when it names none this version has. */
export function parseSliderId(text: string): SliderId | null {
  if (text === 'residual') return { kind: 'residual' };
  const m = INDEXED.exec(text);
  if (!m) return null;
  const n = Number(m[2]);
  if (m[1] === 'toward') return { kind: 'toward', to: n };
  return { kind: m[1] === 'dim' ? 'dimension' : 'principal', index: n };
}

export function formatSliderId(id: SliderId): string {
  if (id.kind === 'residual') return 'residual';
  return `${PREFIXES[id.kind]}-${id.kind === 'toward' ? id.to : id.index}`;
}

export function sameSlider(a: SliderId, b: SliderId): boolean {
  return formatSliderId(a) === formatSliderId(b);
}
