import { describe, expect, it } from 'vitest';
import { selectionFromDrop } from '../src/state/trustInput';

const CLASSES = ['zero', 'one', 'two'];

/** A fake FileSystemFileEntry: it answers file() later, as browsers do. */
function fileEntry(fullPath: string, type = 'image/png'): FileSystemFileEntry {
  const name = fullPath.slice(fullPath.lastIndexOf('/') + 1);
  return {
    isFile: true,
    isDirectory: false,
    name,
    fullPath,
    file: (resolve: (f: File) => void) => setTimeout(() => resolve(new File([`bytes of ${fullPath}`], name, { type }))),
  } as unknown as FileSystemFileEntry;
}

/** A fake FileSystemDirectoryEntry whose reader hands out its children `chunk` at a time, then an empty answer. */
function dirEntry(fullPath: string, children: FileSystemEntry[], chunk = 2): FileSystemDirectoryEntry & { reads: number } {
  const entry = {
    isFile: false,
    isDirectory: true,
    name: fullPath.slice(fullPath.lastIndexOf('/') + 1),
    fullPath,
    reads: 0,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (resolve: (entries: FileSystemEntry[]) => void) => {
          entry.reads++;
          const next = children.slice(at, at + chunk);
          at += next.length;
          setTimeout(() => resolve(next));
        },
      };
    },
  };
  return entry as unknown as FileSystemDirectoryEntry & { reads: number };
}

/** What a drop event's DataTransferItemList looks like to selectionFromDrop (a text item has no entry). */
const dropped = (entries: (FileSystemEntry | null)[]) => entries.map((entry) => ({ webkitGetAsEntry: () => entry })) as unknown as DataTransferItemList;

describe('trust input: dropped folders', () => {
  it('walks nested folders read in chunks, keeps non-images for the decoder to word, and names empty folders', async () => {
    const ones = Array.from({ length: 5 }, (_, i) => fileEntry(`/digits/one/${i}.png`));
    const one = dirEntry('/digits/one', ones, 2);
    const two = dirEntry('/digits/nested/two', [fileEntry('/digits/nested/two/a.png'), fileEntry('/digits/nested/two/notes.txt', 'text/plain')], 1);
    const nested = dirEntry('/digits/nested', [two, dirEntry('/digits/nested/empty', [])]);
    const digits = dirEntry('/digits', [one, nested, fileEntry('/digits/loose.png')], 2);
    const selection = await selectionFromDrop(dropped([digits, fileEntry('/top.png'), null, dirEntry('/blank', [])]), CLASSES);

    expect(selection.files.map((f) => [f.path, f.folder])).toEqual([
      ...ones.map((_, i) => [`digits/one/${i}.png`, 'digits/one']),
      ['digits/nested/two/a.png', 'digits/nested/two'],
      ['digits/nested/two/notes.txt', 'digits/nested/two'],
      ['digits/loose.png', 'digits'],
      ['top.png', '(top level)'],
    ]);
    expect(selection.files.find((f) => f.name === 'notes.txt')).toBeDefined();
    expect(await (await selection.files[0].read()).text()).toBe('bytes of /digits/one/0.png');
    expect(selection.emptyFolders).toEqual(['digits/nested/empty', 'blank']);
    expect(selection.folders.map((f) => [f.path, f.files, f.label, f.match])).toEqual([
      ['(top level)', 1, null, 'none'],
      ['digits', 1, null, 'none'],
      ['digits/nested/two', 2, 2, 'name'],
      ['digits/one', 5, 1, 'name'],
    ]);
    // Every chunk was asked for, up to the empty answer that ends a directory: 5 files by 2 → 3 chunks + 1 empty.
    expect(one.reads).toBe(4);
    expect(two.reads).toBe(3);
    expect(selection.problems).toEqual([]);
  });

  it('reports a folder that fails to read instead of hanging', async () => {
    const broken = {
      isFile: false,
      isDirectory: true,
      name: 'locked',
      fullPath: '/locked',
      createReader: () => ({ readEntries: (_: unknown, reject: (e: Error) => void) => setTimeout(() => reject(new Error('NotReadableError'))) }),
    } as unknown as FileSystemEntry;
    await expect(selectionFromDrop(dropped([broken]), CLASSES)).rejects.toThrow('NotReadableError');
  });
});
