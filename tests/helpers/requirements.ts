import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

/** The Chromium the browser tests drive, or an error that says how to install it. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run \`apt-get install chromium\``);
  return CHROMIUM;
}
