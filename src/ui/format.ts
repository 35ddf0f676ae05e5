/**
 * Numbers for a reader: one formatter per kind of quantity, so that the same value reads the same
 * everywhere. A minus sign is U+2212; magnitudes too small or too large for fixed digits switch to
 * ×10ⁿ-free scientific notation (1.2e-7), which still reads as a number.
 */

import type { MetricTerm } from './glossary';

const MINUS = '\u2212';

/** Replaces the ASCII hyphen of negative numbers by a minus sign. */
function signed(text: string): string {
  return text.startsWith('-') ? MINUS + text.slice(1) : text;
}

/** At least digits significant digits (whole numbers keep all theirs); scientific below 1e-3 and from 1e6 on. */
export function formatSignificant(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'not a number' : value > 0 ? '∞' : `${MINUS}∞`;
  if (value === 0) return '0';
  const size = Math.abs(value);
  if (size < 1e-3 || size >= 1e6) return signed(value.toExponential(digits - 1).replace('e+', 'e'));
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(size)));
  return signed(value.toFixed(decimals));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** p(y|x) and other probabilities: three decimals; small ones keep their magnitude instead of rounding to 0.000. */
export function formatProbability(p: number): string {
  if (p === 0) return '0';
  return p >= 1e-3 ? p.toFixed(3) : formatSignificant(p, 2);
}

/** A fraction as a percent: two decimals for accuracy and ECE, fewer for rough shares. */
export function formatPercent(fraction: number, { decimals = 2 } = {}): string {
  return `${signed((100 * fraction).toFixed(decimals))} %`;
}

/** A log-density or a difference of log-densities in nats, one decimal (they run to thousands). */
export function formatNats(nats: number, { unit = true } = {}): string {
  const text = signed(nats.toFixed(1));
  return unit ? `${text} nats` : text;
}

/** A log-density difference that may be small (a logit difference, a completeness sum): 4 significant digits. */
export function formatLogDifference(nats: number): string {
  return formatSignificant(nats, 4);
}

/** The entropy of a posterior in nats: three decimals (it lies between 0 and log K, a few nats). */
export function formatEntropy(nats: number): string {
  return signed(nats.toFixed(3));
}

/** Bits per dimension: three decimals. */
export function formatBitsPerDim(bits: number, { unit = true } = {}): string {
  const text = signed(bits.toFixed(3));
  return unit ? `${text} bits/dim` : text;
}

/** A standard score (how many standard deviations from the mean), signed, two decimals. */
export function formatZScore(z: number): string {
  return signed(z.toFixed(2));
}

/** An area under a curve, a share or another unitless ratio: three significant digits. */
export function formatRatio(value: number): string {
  return formatSignificant(value, 3);
}

/** A latent coordinate, slider amount or temperature: two decimals. */
export function formatCoordinate(value: number): string {
  return signed(value.toFixed(2));
}

/** A difference of pixel values on the [0, 1] scale (a reconstruction error): three significant digits. */
export function formatPixelDistance(value: number): string {
  return formatSignificant(value, 3);
}

/** A relative error: two significant digits, scientific when small. */
export function formatRelativeError(value: number): string {
  return formatSignificant(value, 2);
}

/** A value on a color legend: two significant digits, kept short so that three fit under a small map. */
export function formatLegendTick(value: number): string {
  return formatSignificant(value, 2);
}

/** A model-card metric by the quantity it is: ECE as a fraction becomes a percent, as in the calibration panel. */
export function formatMetric(value: number, unit: string | undefined, kind: MetricTerm | null): string {
  if (kind === 'ece' && !unit) return formatPercent(value);
  if (kind === 'bitsPerDim') return formatBitsPerDim(value);
  if (kind === 'auroc' && !unit) return formatRatio(value);
  if (unit === '%') return `${signed(value.toFixed(2))} %`;
  const text = formatSignificant(value, 4);
  return unit ? `${text} ${unit}` : text;
}
