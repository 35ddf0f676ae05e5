/** Builds and serves the app with its test pages, and launches Chromium on it: for the browser tests and tools/bench-*. */
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page, type ViewportSize } from 'playwright-core';
import { build, type Plugin, preview } from 'vite';
import { FIXTURES } from '../helpers/fixtures';
import { requireChromium } from '../helpers/requirements';
import { FIXTURE_ROUTE } from './fixtureRoute';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

/** The test pages the browser tests open, built beside the app (name → HTML path below the repository root). */
export const TEST_PAGES = { conversion: 'tests/browser/conversion.html', parity: 'tests/browser/parity.html' };

export interface ServedApp {
  /** Ends with a slash. */
  url: string;
  close(): Promise<void>;
}

/** Serves the reference fixtures (tests/fixtures/reference-gc) at FIXTURE_ROUTE. */
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

const VITE = {
  root: ROOT,
  configFile: join(ROOT, 'vite.config.ts'),
  // Test pages address the model, the wasm binaries and the fixtures from the server root.
  base: '/',
  logLevel: 'warn' as const,
};

/** Builds the app for production into outDir, with extra pages (name → HTML path below the repository root). */
export async function buildApp(outDir: string, extraPages: Record<string, string>): Promise<void> {
  const pages = Object.fromEntries(Object.entries(extraPages).map(([name, path]) => [name, join(ROOT, path)]));
  // Vitest sets NODE_ENV=test, under which Vite bundles React's development build (every render twice, with checks):
  // what the tests time is the build users get.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      ...VITE,
      build: {
        outDir,
        emptyOutDir: true,
        // Timing warnings are noise here: the build shares the CPU with other tests.
        rolldownOptions: { input: { app: join(ROOT, 'index.html'), ...pages }, checks: { bundlerTimings: false } },
      },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/**
 * Drops the cross-origin isolation headers that vite.config.ts sets, as a static host that cannot set headers
 * would: for the test of public/coi-sw.js.
 */
function withoutIsolationHeaders(): Plugin {
  const dropped = /^cross-origin-(opener|embedder)-policy$/i;
  return {
    name: 'gc-lens-test:without-isolation-headers',
    configurePreviewServer(server) {
      server.middlewares.use((_req, res, next) => {
        const setHeader = res.setHeader.bind(res);
        res.setHeader = (name, value) => (dropped.test(name) ? res : setHeader(name, value));
        next();
      });
    },
  };
}

export interface ServeOptions {
  /** false: without the COOP/COEP headers of vite.config.ts (a static host that cannot set them). Default true. */
  isolationHeaders?: boolean;
}

/** Serves a build of buildApp on 127.0.0.1 at a free port, with the reference fixtures and (by default) the isolation headers. */
export async function serveApp(outDir: string, { isolationHeaders = true }: ServeOptions = {}): Promise<ServedApp> {
  const plugins = isolationHeaders ? [referenceFixtures()] : [withoutIsolationHeaders(), referenceFixtures()];
  const server = await preview({ ...VITE, plugins, build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server reports no URL');
  return { url, close: () => server.close() };
}

/** Builds into a temporary folder and serves it; closing removes the folder (for tools, which run outside vitest). */
export async function serveBuiltApp(extraPages: Record<string, string> = {}): Promise<ServedApp> {
  const outDir = await mkdtemp(join(tmpdir(), 'gc-lens-build-'));
  await buildApp(outDir, extraPages);
  const app = await serveApp(outDir);
  return {
    url: app.url,
    async close() {
      await app.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

const launchOptions = () => ({ executablePath: requireChromium(), args: CHROMIUM_ARGS });

export function launchChromium(): Promise<Browser> {
  return chromium.launch(launchOptions());
}

export interface ContextOptions {
  /** A fresh profile on disk, so OPFS is stored on disk as for users (not in memory). */
  profile?: boolean;
  viewport?: ViewportSize;
  /** A phone: touch screen (coarse pointer, no hover) and the page's viewport meta tag honoured. */
  phone?: boolean;
}

/** A browser context in its own Chromium; closing it ends Chromium and removes the profile. */
export async function launchContext({ profile, viewport, phone }: ContextOptions = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const device = { viewport, ...(phone && { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }) };
  if (!profile) {
    const browser = await launchChromium();
    return { context: await browser.newContext(device), close: () => browser.close() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'gc-lens-profile-'));
  const context = await chromium.launchPersistentContext(dir, { ...launchOptions(), ...device });
  return {
    context,
    async close() {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Passes the page's errors and console errors on to the test output. */
export function reportPageErrors(page: Page): void {
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`[page console] ${m.text()} (${m.location().url})`);
  });
}
