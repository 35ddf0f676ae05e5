/** The browser setup every browser suite shares: the run's build served, Chromium on it, page errors failing the test. */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import { type ContextOptions, launchContext, reportPageErrors, serveApp } from './harness';

export interface SessionOptions extends ContextOptions {
  /** Default time limit of page actions and waits, in ms. */
  timeout?: number;
  /** Runs on the context before the first page opens, e.g. to route requests. */
  prepare?: (context: BrowserContext, appUrl: string) => Promise<void>;
}

export interface BrowserSession {
  /** The app's URL; ends with a slash. */
  readonly url: string;
  readonly context: BrowserContext;
  /** The suite's first page. */
  readonly page: Page;
  /** Lets the current test pass with uncaught page errors that contain one of these strings: only for errors it provokes. */
  allowPageErrors(...substrings: string[]): void;
}

/**
 * Registers the suite's hooks: before all, serve the build of tests/browser/globalSetup.ts and open Chromium;
 * after each test, fail it on uncaught errors in any of the context's pages; after all, close both.
 */
export function useBrowserSession(options: SessionOptions = {}): BrowserSession {
  let app: Awaited<ReturnType<typeof serveApp>> | undefined;
  let launched: Awaited<ReturnType<typeof launchContext>> | undefined;
  let page: Page | undefined;
  const errors: string[] = [];
  let expected: string[] = [];
  const watch = (p: Page) => {
    reportPageErrors(p);
    p.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  };
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the browser session is not open: use it inside tests');
    return value;
  };

  beforeAll(async () => {
    [app, launched] = await Promise.all([serveApp(inject('appDist')), launchContext(options)]);
    const { context } = launched;
    if (options.timeout) context.setDefaultTimeout(options.timeout);
    context.pages().forEach(watch);
    context.on('page', watch);
    await options.prepare?.(context, app.url);
    page = await context.newPage();
  });

  afterEach(() => {
    const unexpected = errors.filter((e) => !expected.some((s) => e.includes(s)));
    errors.length = 0;
    expected = [];
    expect(unexpected, 'uncaught errors in the page').toEqual([]);
  });

  afterAll(async () => {
    await launched?.close();
    await app?.close();
  });

  return {
    get url() {
      return opened(app).url;
    },
    get context() {
      return opened(launched).context;
    },
    get page() {
      return opened(page);
    },
    allowPageErrors(...substrings) {
      expected.push(...substrings);
    },
  };
}
