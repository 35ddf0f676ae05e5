/** The many-class chooser's logic: unique labels to search, and the class a typed query names. */

/** Below this many classes a plain select lists them all. */
export const SEARCH_FROM = 30;

/** Class names made unique for a datalist: a repeated name (ImageNet has two "crane"s) gets its index. */
export function searchLabels(classes: string[]): string[] {
  const seen = new Map<string, number>();
  for (const name of classes) seen.set(name, (seen.get(name) ?? 0) + 1);
  return classes.map((name, i) => (seen.get(name)! > 1 ? `${name} (${i})` : name));
}

/** The class whose label the query spells exactly, else the only one it spells ignoring case and spaces at the ends; −1 if none. */
export function classForQuery(labels: string[], query: string): number {
  const exact = labels.indexOf(query);
  if (exact >= 0) return exact;
  const wanted = query.trim().toLowerCase();
  const loose = labels.flatMap((label, i) => (label.toLowerCase() === wanted ? [i] : []));
  return loose.length === 1 ? loose[0] : -1;
}
