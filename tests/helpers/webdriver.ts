/**
 * A small client of classic W3C WebDriver over HTTP (fetch), enough to drive WebKitGTK's WebKitWebDriver, and the
 * means to start that driver on a private X display.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';

/** The key under which WebDriver names an element (W3C WebDriver, "web element identifier"). */
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';
/** How long one HTTP command may take; page loads and scripts have their own session timeouts below it. */
const COMMAND_TIMEOUT_MS = 150_000;

export type ElementReference = { [ELEMENT_KEY]: string };

/** A command the driver answered with an error: its method, path, error code and message. */
export class WebDriverError extends Error {}

async function command<T>(method: 'GET' | 'POST' | 'DELETE', url: string, body?: object): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json; charset=utf-8' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  });
  const text = await response.text();
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value: unknown }).value;
  } catch {
    throw new WebDriverError(`${method} ${new URL(url).pathname}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const failure = value as { error?: string; message?: string } | null;
  if (!response.ok || failure?.error) throw new WebDriverError(`${method} ${new URL(url).pathname}: ${failure?.error}: ${failure?.message}`);
  return value as T;
}

/** What a script run by executeAsync hands back: its value, or the error it threw, as text. */
type ScriptOutcome<T> = { value: T } | { error: string };

/** One WebDriver session: one browser window. */
export class WebDriverSession {
  private constructor(private readonly base: string) {}

  /** Opens a session; `capabilities` go in alwaysMatch. */
  static async start(driverUrl: string, capabilities: object, timeouts = { script: 120_000, pageLoad: 120_000 }): Promise<WebDriverSession> {
    const { sessionId } = await command<{ sessionId: string }>('POST', `${driverUrl}/session`, { capabilities: { alwaysMatch: capabilities } });
    const session = new WebDriverSession(`${driverUrl}/session/${sessionId}`);
    await command('POST', `${session.base}/timeouts`, timeouts);
    return session;
  }

  /** Navigates and waits for the page's load event. */
  async navigate(url: string): Promise<void> {
    await command('POST', `${this.base}/url`, { url });
  }

  /**
   * Evaluates `expression` in the page and returns its value, awaited when it is a promise (JSON-serialisable);
   * an exception in the page becomes a WebDriverError with its message.
   */
  async evaluate<T>(expression: string): Promise<T> {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => (${expression})).then((value) => done({ value }), (e) => done({ error: String((e && e.stack) || e) }));`;
    const outcome = await command<ScriptOutcome<T>>('POST', `${this.base}/execute/async`, { script, args: [] });
    if ('error' in outcome) throw new WebDriverError(`the page threw: ${outcome.error}`);
    return outcome.value;
  }

  async findElement(selector: string): Promise<ElementReference> {
    return command<ElementReference>('POST', `${this.base}/element`, { using: 'css selector', value: selector });
  }

  async click(element: ElementReference): Promise<void> {
    await command('POST', `${this.base}/element/${element[ELEMENT_KEY]}/click`, {});
  }

  /**
   * Presses and releases each key in turn on the focused element, through the keyboard of the actions API (element
   * send keys would set a range input's value to the text instead).
   */
  async pressKeys(keys: string[]): Promise<void> {
    const actions = keys.flatMap((value) => [
      { type: 'keyDown', value },
      { type: 'keyUp', value },
    ]);
    await command('POST', `${this.base}/actions`, { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await command('DELETE', `${this.base}/actions`);
  }

  async setWindowRect(size: { width: number; height: number }): Promise<void> {
    await command('POST', `${this.base}/window/rect`, size);
  }

  /** The viewport as PNG bytes. */
  async screenshot(): Promise<Buffer> {
    return Buffer.from(await command<string>('GET', `${this.base}/screenshot`), 'base64');
  }

  /** Ends the session and closes its browser. */
  async delete(): Promise<void> {
    await command('DELETE', this.base);
  }
}

/** WebDriver's key code of each key the tests press (W3C WebDriver, "keyboard actions"). */
export const KEYS = { ArrowRight: '\uE014', ArrowLeft: '\uE012' } as const;

/** A process we started and stop. */
export interface Running {
  close(): Promise<void>;
}

/** An X server on a free display, for browsers that need one. */
export async function startXvfb(xvfb: string): Promise<Running & { display: string }> {
  // -displayfd: Xvfb picks a free display and writes its number to fd 3 once it accepts clients.
  const child = spawn(xvfb, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  try {
    const display = `:${(await firstLine(child.stdio[3] as Readable, child, 'Xvfb')).trim()}`;
    return { display, close: () => stop(child) };
  } catch (e) {
    await stop(child);
    throw e;
  }
}

/**
 * Starts WebKitWebDriver on a free port, its browsers drawing on `display`; resolves once it is ready. One driver
 * holds one session at a time, so each fresh session gets its own driver.
 */
export async function startWebKitWebDriver(driverPath: string, display: string): Promise<Running & { url: string }> {
  const port = await freePort();
  const driver = spawn(driverPath, [`--port=${port}`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DISPLAY: display } });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, driver);
    return { url, close: () => stop(driver) };
  } catch (e) {
    await stop(driver);
    throw e;
  }
}

function firstLine(stream: Readable, child: ChildProcess, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    stream.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready: ${stderr.trim()}`)));
    child.once('error', reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, driver: ChildProcess): Promise<void> {
  let stderr = '';
  driver.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited (${driver.exitCode}): ${stderr.trim()}`);
    const ready = await command<{ ready: boolean }>('GET', `${url}/status`).then(
      (s) => s.ready,
      () => false,
    );
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`WebKitWebDriver did not become ready at ${url} within 20 s: ${stderr.trim()}`);
}

/** Ends a process we started (SIGTERM, then SIGKILL after 5 s) and waits for it. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
