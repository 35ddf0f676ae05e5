export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** Small probabilities keep their magnitude instead of rounding to 0.000. */
export function formatProbability(p: number): string {
  if (p === 0) return '0';
  return p >= 1e-3 ? p.toFixed(3) : p.toExponential(1);
}
