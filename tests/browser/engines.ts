/**
 * The three browser engines behind one small interface, so that one script of steps drives them all: Chromium
 * (playwright-core), Firefox ESR (puppeteer-core over WebDriver BiDi) and WebKitGTK (classic WebDriver).
 */
import { writeFile } from 'node:fs/promises';
import type { Browser as PlaywrightBrowser, Page as PlaywrightPage } from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser, type Page as PuppeteerPage } from 'puppeteer-core';
import { requireFirefox, requireWebKitGtk } from '../helpers/requirements';
import { KEYS, type Running, startWebKitWebDriver, startXvfb, WebDriverSession } from '../helpers/webdriver';
import { launchChromium } from './harness';

export type Key = keyof typeof KEYS;

/** One tab of one engine, as the steps need it. */
export interface EnginePage {
  goto(url: string): Promise<void>;
  /** Calls fn(arg) in the page; returns its awaited result. fn must be self-contained; arg and result JSON. */
  call<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** A real click on the first element matching the CSS selector. */
  click(selector: string): Promise<void>;
  /** Focuses the first element matching the selector and presses a key on it `times` times, as a keyboard user does. */
  press(selector: string, key: Key, times: number): Promise<void>;
  /** Uncaught errors and unhandled rejections of the page so far (WebKit: since the last goto's load event). */
  errors(): Promise<string[]>;
  screenshot(path: string): Promise<void>;
}

export interface Engine {
  readonly name: string;
  /** A page in a fresh session: no storage, cache or cookies shared with pages opened before. */
  open(): Promise<EnginePage>;
  /** Closes every session and the browser. */
  close(): Promise<void>;
}

const expression = <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => `(${fn.toString()})(${JSON.stringify(arg)})`;

export async function chromiumEngine(viewport: { width: number; height: number }): Promise<Engine> {
  const browser: PlaywrightBrowser = await launchChromium();
  return {
    name: 'Chromium',
    async open() {
      const page: PlaywrightPage = await (await browser.newContext({ viewport })).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
      return {
        goto: async (url) => void (await page.goto(url)),
        call: (fn, arg) => page.evaluate(expression(fn, arg)),
        click: (selector) => page.locator(selector).first().click(),
        async press(selector, key, times) {
          await page.locator(selector).first().focus();
          for (let i = 0; i < times; i++) await page.keyboard.press(key);
        },
        errors: async () => [...errors],
        screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
      };
    },
    close: () => browser.close(),
  };
}

export async function firefoxEngine(viewport: { width: number; height: number }): Promise<Engine> {
  const browser: PuppeteerBrowser = await puppeteer.launch({ browser: 'firefox', executablePath: requireFirefox(), headless: true, defaultViewport: viewport });
  return {
    name: 'Firefox ESR',
    async open() {
      const page: PuppeteerPage = await (await browser.createBrowserContext()).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
      return {
        goto: async (url) => void (await page.goto(url, { waitUntil: 'load', timeout: 120_000 })),
        call: (fn, arg) => page.evaluate(expression(fn, arg)) as Promise<Awaited<ReturnType<typeof fn>>>,
        click: (selector) => page.click(selector),
        async press(selector, key, times) {
          await page.focus(selector);
          for (let i = 0; i < times; i++) await page.keyboard.press(key);
        },
        errors: async () => [...errors],
        screenshot: async (path) => void (await page.screenshot({ path: path as `${string}.png`, fullPage: true })),
      };
    },
    close: () => browser.close(),
  };
}

/** Collects the page's uncaught errors from its load event on: WebDriver has no event channel. */
function watchErrors(): void {
  const w = window as unknown as { gcLensErrors?: string[] };
  if (w.gcLensErrors) return;
  const errors: string[] = [];
  w.gcLensErrors = errors;
  addEventListener('error', (e) => errors.push(`${e.message} (${e.filename}:${e.lineno})`));
  addEventListener('unhandledrejection', (e) => errors.push(`unhandled rejection: ${String(e.reason?.stack ?? e.reason)}`));
}

export async function webkitEngine(viewport: { width: number; height: number }): Promise<Engine> {
  const webkit = requireWebKitGtk();
  const xvfb = await startXvfb(webkit.xvfb);
  /** One driver per session: a WebKitWebDriver holds one session at a time. */
  const drivers: Running[] = [];
  const sessions: WebDriverSession[] = [];
  const capabilities = {
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: webkit.miniBrowser, args: ['--automation'] },
  };
  return {
    name: 'WebKitGTK',
    async open() {
      const driver = await startWebKitWebDriver(webkit.driver, xvfb.display);
      drivers.push(driver);
      const session = await WebDriverSession.start(driver.url, capabilities);
      sessions.push(session);
      await session.setWindowRect(viewport);
      const call: EnginePage['call'] = (fn, arg) => session.evaluate(expression(fn, arg));
      return {
        async goto(url) {
          await session.navigate(url);
          await call(watchErrors, null);
        },
        call,
        click: async (selector) => session.click(await session.findElement(selector)),
        async press(selector, key, times) {
          await call((s) => (document.querySelector(s) as HTMLElement).focus(), selector);
          await session.pressKeys(Array(times).fill(KEYS[key]));
        },
        errors: () => call(() => [...((window as unknown as { gcLensErrors?: string[] }).gcLensErrors ?? [])], null),
        screenshot: async (path) => writeFile(path, await session.screenshot()),
      };
    },
    async close() {
      await Promise.allSettled(sessions.map((s) => s.delete()));
      await Promise.allSettled(drivers.map((d) => d.close()));
      await xvfb.close();
    },
  };
}
