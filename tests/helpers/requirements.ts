import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Tests that need a system program fail, never skip, and say how to install it. */
export class MissingRequirement extends Error {}

/** The Chromium the browser tests drive (CHROMIUM_PATH overrides /usr/bin/chromium). */
export function requireChromium(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) throw new MissingRequirement(`Chromium not found at ${path}: run \`apt-get install chromium\``);
  return path;
}

let checkedPython: string | undefined;

/** The python3 that has torch and numpy (PYTHON overrides /usr/bin/python3); checked once per test file. */
export function requirePythonTorch(): string {
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  if (checkedPython === python) return python;
  try {
    execFileSync(python, ['-c', 'import torch, numpy'], { stdio: 'pipe', timeout: 120_000 });
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop() ?? String(error);
    throw new MissingRequirement(`${python} cannot import torch and numpy (${detail}): run \`apt-get install python3-torch python3-numpy\``);
  }
  checkedPython = python;
  return python;
}

/** Firefox ESR, driven over WebDriver BiDi (FIREFOX_PATH overrides /usr/bin/firefox-esr). */
export function requireFirefox(): string {
  const path = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
  if (!existsSync(path)) throw new MissingRequirement(`Firefox not found at ${path}: run \`apt-get install firefox-esr\``);
  return path;
}

/** WebKitGTK's WebDriver, the MiniBrowser it drives, and the X server it draws on. */
export interface WebKitGtk {
  driver: string;
  miniBrowser: string;
  xvfb: string;
}

/** The MiniBrowser of whichever WebKitGTK API version is installed. */
const MINIBROWSERS = ['webkit2gtk-4.1', 'webkitgtk-6.0', 'webkit2gtk-4.0'].flatMap((api) =>
  ['x86_64-linux-gnu', 'aarch64-linux-gnu'].map((arch) => `/usr/lib/${arch}/${api}/MiniBrowser`),
);

export function requireWebKitGtk(): WebKitGtk {
  const driver = '/usr/bin/WebKitWebDriver';
  const miniBrowser = process.env.MINIBROWSER_PATH ?? MINIBROWSERS.find((p) => existsSync(p));
  const xvfb = '/usr/bin/Xvfb';
  if (!existsSync(driver) || !miniBrowser || !existsSync(miniBrowser))
    throw new MissingRequirement(`WebKitGTK's WebKitWebDriver and MiniBrowser not found: run \`apt-get install webkit2gtk-driver\``);
  if (!existsSync(xvfb)) throw new MissingRequirement(`Xvfb not found at ${xvfb} (WebKitGTK needs an X display): run \`apt-get install xvfb\``);
  return { driver, miniBrowser, xvfb };
}
