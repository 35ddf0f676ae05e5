/** Minimal flag parser: positionals, `--flag value` and boolean `--flag`. */
export function parseArgs(argv: string[], booleans: string[] = []): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const name = a.slice(2);
    if (booleans.includes(name)) flags.set(name, 'true');
    else if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`);
    else flags.set(name, argv[++i]);
  }
  return { positional, flags };
}

/** True while a progress bar is drawn on the current stderr line. */
let barOpen = false;
/** The label whose bar was last drawn full: later reads under it draw nothing more. */
let finishedLabel: string | undefined;

/** Prints `error: message` as one line (after ending any progress bar) and exits with status 1. */
export function fail(message: string): never {
  process.stderr.write(`${barOpen ? '\n' : ''}error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
}

/**
 * A one-line progress bar on stderr, drawn only on a terminal (logs and pipes get the result lines only).
 * `done` can pass `total` (some bytes are read twice), so it is clamped.
 */
export function progressBar(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY || label === finishedLabel) return;
  const width = 30;
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(fraction * width);
  const mb = (n: number) => (n / 1048576).toFixed(1);
  const finished = fraction >= 1;
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${mb(Math.min(done, total))}/${mb(total)} MiB${finished ? '\n' : ''}`);
  barOpen = !finished;
  if (finished) finishedLabel = label;
}
