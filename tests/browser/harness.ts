import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type Plugin } from 'vite';
import { FIXTURES } from '../helpers/fixtures';
import { FIXTURE_ROUTE } from './fixtureRoute';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

export interface ServedApp {
  /** Ends with a slash. */
  url: string;
  close(): Promise<void>;
}

/** Serves the reference fixtures from ../shared at FIXTURE_ROUTE. */
function referenceFixtures(): Plugin {
  return {
    name: 'gc-lens-test:reference-fixtures',
    configurePreviewServer(server) {
      server.middlewares.use(FIXTURE_ROUTE, (req, res, next) => {
        const name = (req.url ?? '').slice(1).split('?')[0];
        const path = join(FIXTURES, name);
        if (!/^[\w.-]+$/.test(name) || !existsSync(path)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        createReadStream(path).pipe(res);
      });
    },
  };
}

/**
 * Builds the app for production, with extra pages (name → HTML path below the repository root),
 * into a temporary folder and serves it on 127.0.0.1 at a free port.
 */
export async function serveBuiltApp(extraPages: Record<string, string> = {}): Promise<ServedApp> {
  const outDir = await mkdtemp(join(tmpdir(), 'gc-lens-build-'));
  const common = {
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    // Test pages address the model, the wasm binaries and the fixtures from the server root.
    base: '/',
    logLevel: 'warn' as const,
    plugins: [referenceFixtures()],
  };
  await build({
    ...common,
    build: {
      outDir,
      emptyOutDir: true,
      // Timing warnings are noise here: browser tests build while other tests load the CPU.
      rolldownOptions: { input: { app: join(ROOT, 'index.html'), ...resolvePages(extraPages) }, checks: { bundlerTimings: false } },
    },
  });
  const server = await preview({ ...common, build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server reports no URL');
  return {
    url,
    async close() {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

function resolvePages(pages: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(pages).map(([name, path]) => [name, join(ROOT, path)]));
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Passes the page's errors and console errors on to the test output. */
export function reportPageErrors(page: Page): void {
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`[page console] ${m.text()} (${m.location().url})`);
  });
}
