/** What a trust report reads: files from a folder picker, dropped folders or zips, grouped by folder, with labels from folder names. */
import { ImageZipError, openImageZip } from '../formats/imageZip';

/** One file of the selection; its bytes are read only when its batch runs (or its thumbnail shows). */
export interface TrustFile {
  /** Path inside the selection, "/"-separated. */
  path: string;
  name: string;
  /** The folder it sits in (its path's directory), which gives its label. */
  folder: string;
  read(): Promise<Blob>;
}

export type FolderRole = 'in' | 'out' | 'none';

export interface TrustFolder {
  path: string;
  files: number;
  /** The class its name gives, or null (unlabelled). */
  label: number | null;
  /** How the label was found: the folder name is a class name or index, or was chosen by hand. */
  match: 'name' | 'index' | 'chosen' | 'none';
  /** In- or out-of-distribution for the typicality AUROC. */
  role: FolderRole;
}

export interface TrustSelection {
  files: TrustFile[];
  folders: TrustFolder[];
  /** Folders that hold no file. */
  emptyFolders: string[];
  /** Zips that could not be read, with the reason. */
  problems: string[];
}

const TOP_LEVEL = '(top level)';
const collator = new Intl.Collator('en', { numeric: true });

export const folderOf = (path: string) => {
  const at = path.lastIndexOf('/');
  return at > 0 ? path.slice(0, at) : TOP_LEVEL;
};

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** A folder's last name against the classes: a class name (case-insensitive), else a class index. */
export function matchLabel(folder: string, classes: readonly string[]): Pick<TrustFolder, 'label' | 'match'> {
  const name = baseName(folder).trim().toLowerCase();
  const byName = classes.findIndex((c) => c.trim().toLowerCase() === name);
  if (byName >= 0) return { label: byName, match: 'name' };
  if (/^\d+$/.test(name) && Number(name) < classes.length) return { label: Number(name), match: 'index' };
  return { label: null, match: 'none' };
}

const isZip = (file: File) => /\.zip$/i.test(file.name) || file.type === 'application/zip';

/** A file as it comes: a zip is opened and its entries take its place (under the zip's name without ".zip"). */
async function expand(file: File, path: string, out: TrustSelection): Promise<void> {
  if (!isZip(file)) {
    out.files.push({ path, name: file.name, folder: folderOf(path), read: async () => file });
    return;
  }
  const root = path.replace(/\.zip$/i, '');
  try {
    const zip = await openImageZip(file, file.name);
    for (const entry of zip.files) {
      const inner = `${root}/${entry.path}`;
      out.files.push({ path: inner, name: baseName(inner), folder: folderOf(inner), read: entry.read });
    }
    out.emptyFolders.push(...zip.emptyFolders.map((f) => `${root}/${f}`));
  } catch (e) {
    if (!(e instanceof ImageZipError)) throw e;
    out.problems.push(e.message);
  }
}

const emptySelection = (): TrustSelection => ({ files: [], folders: [], emptyFolders: [], problems: [] });

/** Files from an input (webkitdirectory gives each its relative path). */
export async function selectionFromFiles(files: readonly File[], classes: readonly string[]): Promise<TrustSelection> {
  const out = emptySelection();
  for (const file of files) await expand(file, file.webkitRelativePath || file.name, out);
  return withFolders(out, classes);
}

/** Dropped folders and files, walked with the File and Directory Entries API. */
export async function selectionFromDrop(items: DataTransferItemList, classes: readonly string[]): Promise<TrustSelection> {
  const out = emptySelection();
  // The entries must be taken before the first await: the list is emptied after the drop event.
  const entries = [...items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  for (const entry of entries) await walk(entry, out);
  return withFolders(out, classes);
}

async function walk(entry: FileSystemEntry, out: TrustSelection): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return expand(file, path, out);
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  let any = false;
  // readEntries answers in chunks (100 in Chromium) until it answers none.
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!chunk.length) break;
    any = true;
    for (const child of chunk) await walk(child, out);
  }
  if (!any) out.emptyFolders.push(path);
}

function withFolders(selection: TrustSelection, classes: readonly string[]): TrustSelection {
  const counts = new Map<string, number>();
  for (const f of selection.files) counts.set(f.folder, (counts.get(f.folder) ?? 0) + 1);
  selection.folders = [...counts]
    .sort(([a], [b]) => collator.compare(a, b))
    .map(([path, files]) => {
      const label = matchLabel(path, classes);
      return { path, files, ...label, role: label.label === null ? 'none' : 'in' };
    });
  return selection;
}

/** The selection's problems in words: empty folders, folder names that match no class, nothing to run. */
export function selectionNotes(selection: TrustSelection, classes: readonly string[]): string[] {
  const notes = [...selection.problems];
  for (const f of selection.emptyFolders) notes.push(`The folder “${f}” is empty.`);
  const unmatched = selection.folders.filter((f) => f.match === 'none');
  if (unmatched.length && selection.folders.some((f) => f.label !== null))
    notes.push(
      `${unmatched.map((f) => `“${baseName(f.path) || f.path}”`).join(', ')} match${unmatched.length === 1 ? 'es' : ''} no class name or index ` +
        `(0–${classes.length - 1}): ${unmatched.length === 1 ? 'its' : 'their'} images run without a label. Choose a class beside the folder to give one.`,
    );
  if (!selection.files.length) notes.push('There is nothing to run: the selection holds no files.');
  return notes;
}
