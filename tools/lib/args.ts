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

export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

/** A one-line progress bar on stderr. */
export function progressBar(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY && done < total) return;
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${mb(done)}/${mb(total)} MiB${done >= total ? '\n' : ''}`);
}
