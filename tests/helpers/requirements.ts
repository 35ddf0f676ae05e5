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
