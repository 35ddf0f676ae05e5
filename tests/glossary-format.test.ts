import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { releasedModel } from '../src/storage/releasedCards';
import {
  formatBitsPerDim,
  formatEntropy,
  formatLegendTick,
  formatLogDifference,
  formatMetric,
  formatNats,
  formatPercent,
  formatPixelDistance,
  formatProbability,
  formatRelativeError,
  formatSignificant,
  formatZScore,
} from '../src/ui/format';
import { GLOSSARY, metricTerm, type Term } from '../src/ui/glossary';

const ROOT = join(import.meta.dirname, '..');
const UI = join(ROOT, 'src/ui');
const MODELS = join(ROOT, 'public/models');

describe('number formats', () => {
  it('keeps significant digits, a real minus sign, and scientific notation only for very small or large magnitudes', () => {
    expect(formatSignificant(1234.5678, 3)).toBe('1235');
    expect(formatSignificant(0.0123456, 3)).toBe('0.0123');
    expect(formatSignificant(-2.5, 3)).toBe('−2.50');
    expect(formatSignificant(9.55e-7, 3)).toBe('9.55e-7');
    expect(formatSignificant(2.5e7, 2)).toBe('2.5e7');
    expect(formatSignificant(0)).toBe('0');
    expect(formatSignificant(Number.NaN)).toBe('not a number');
  });

  it('formats each quantity kind one way', () => {
    expect(formatProbability(0.95312)).toBe('0.953');
    expect(formatProbability(0.00034)).toBe('3.4e-4');
    expect(formatPercent(0.04342417539525725)).toBe('4.34 %');
    expect(formatPercent(-0.04, { decimals: 0 })).toBe('−4 %');
    expect(formatNats(-1394.23)).toBe('−1394.2 nats');
    expect(formatNats(1396.46, { unit: false })).toBe('1396.5');
    expect(formatEntropy(0.25712)).toBe('0.257');
    expect(formatBitsPerDim(3.73612)).toBe('3.736 bits/dim');
    expect(formatZScore(0.1789)).toBe('0.18');
    expect(formatLogDifference(3451.3634)).toBe('3451');
    expect(formatLogDifference(-0.123456)).toBe('−0.1235');
    expect(formatPixelDistance(9.5461e-7)).toBe('9.55e-7');
    expect(formatRelativeError(20.1)).toBe('20');
    expect(formatRelativeError(3.2e-6)).toBe('3.2e-6');
    expect(formatLegendTick(-403.2)).toBe('−403');
    expect(formatLegendTick(5.87e-7)).toBe('5.9e-7');
  });

  it('shows a model card metric as the panels show the same quantity: ECE as a percent', () => {
    expect(formatMetric(0.04342417539525725, undefined, 'ece')).toBe(formatPercent(0.04342417539525725));
    expect(formatMetric(2.785553749551294, 'bits/dim', 'bitsPerDim')).toBe('2.786 bits/dim');
    expect(formatMetric(98.11, '%', 'accuracy')).toBe('98.11 %');
    expect(formatMetric(0.98604585, undefined, 'auroc')).toBe('0.986');
    expect(formatMetric(12.345678, 'ms', null)).toBe('12.35 ms');
  });
});

describe('glossary', () => {
  const terms = Object.keys(GLOSSARY) as Term[];
  const uiSources = readdirSync(UI)
    .filter((f) => /\.tsx?$/.test(f) && f !== 'glossary.ts')
    .map((f) => readFileSync(join(UI, f), 'utf8'))
    .join('\n');

  it.each(terms)('defines %s with a name, a one-line help and a note', (term) => {
    const { name, help, note } = GLOSSARY[term];
    expect(name.trim()).not.toBe('');
    expect(help).not.toMatch(/\n/);
    expect(help.length).toBeGreaterThan(20);
    expect(help.length).toBeLessThan(200);
    expect(note.length).toBeGreaterThan(20);
  });

  it('has no entry the page never shows', () => {
    const unused = terms.filter((t) => !new RegExp(`term="${t}"|['"]${t}['"]|GLOSSARY\\.${t}\\b`).test(uiSources));
    expect(unused).toEqual([]);
  });

  it('explains every metric on the bundled and released model cards', () => {
    const bundled = readdirSync(MODELS, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => {
        const { card } = JSON.parse(readFileSync(join(MODELS, d.name, 'model.json'), 'utf8'));
        return [...card.reported, ...card.measured].map((m: { name: string }) => m.name);
      });
    const released = ['1', '8', 'inf'].flatMap((beta) => {
      const card = releasedModel(`beta_${beta}.avg.pt`);
      return card ? [...card.card.reported, ...card.card.measured].map((m) => m.name) : [];
    });
    const names = [...new Set([...bundled, ...released])];
    expect(names.length).toBeGreaterThan(3);
    expect(names.filter((n) => metricTerm(n) === null)).toEqual([]);
  });
});
