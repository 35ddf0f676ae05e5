import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageFiles } from '../../src/formats/modelPackage';

/** A model package folder on disk (Node only). */
export function nodePackageFiles(dir: string): PackageFiles {
  return {
    readText: (name) => readFile(join(dir, name), 'utf8'),
    async readBinary(name, onBytes) {
      const bytes = new Uint8Array(await readFile(join(dir, name)));
      onBytes?.(bytes.length);
      return bytes;
    },
  };
}

export async function nodeFileWriter(dir: string): Promise<(name: string, bytes: Uint8Array) => Promise<void>> {
  await mkdir(dir, { recursive: true });
  return (name, bytes) => writeFile(join(dir, name), bytes);
}
