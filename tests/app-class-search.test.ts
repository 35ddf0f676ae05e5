import { describe, expect, it } from 'vitest';
import { classForQuery, searchLabels } from '../src/state/classSearch';

/** 1000 ImageNet-like names with ImageNet's repeats ("crane" twice, "maillot" twice). */
const classes = Array.from({ length: 1000 }, (_, i) => `class ${i}`);
classes[134] = 'crane';
classes[517] = 'crane';
classes[638] = 'maillot';
classes[639] = 'maillot';
classes[281] = 'tabby, tabby cat';

describe('the class search for many classes', () => {
  it('gives every class a unique label, so repeated names stay reachable', () => {
    const labels = searchLabels(classes);
    expect(new Set(labels).size).toBe(1000);
    expect([labels[134], labels[517], labels[638], labels[639], labels[281]]).toEqual([
      'crane (134)',
      'crane (517)',
      'maillot (638)',
      'maillot (639)',
      'tabby, tabby cat',
    ]);
  });

  it('finds the class a query names: exactly, or ignoring case and outer spaces when that is unambiguous', () => {
    const labels = searchLabels(classes);
    expect(classForQuery(labels, 'crane (517)')).toBe(517);
    expect(classForQuery(labels, 'tabby, tabby cat')).toBe(281);
    expect(classForQuery(labels, '  Tabby, TABBY cat ')).toBe(281);
    expect(classForQuery(labels, 'class 999')).toBe(999);
    expect(classForQuery(labels, 'crane')).toBe(-1);
    expect(classForQuery(labels, 'tabby')).toBe(-1);
    expect(classForQuery(labels, '')).toBe(-1);
    expect(classForQuery(searchLabels(['Cat', 'cat']), 'CAT')).toBe(-1);
  });
});
