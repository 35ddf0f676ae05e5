/** The adversarial probe's result in words and rows, for the attack panel. */
import type { AttackReport, EpsilonBracket, Verdict } from '../explain/attack';
import { typicality } from './resultView';
import { className } from './resultWords';

const NORM_NAMES = { linf: 'L∞', l2: 'L2' } as const;

/** "p₀ → p" for the classes either image ranks highest, by the attacked probability. */
export interface PosteriorShift {
  classIndex: number;
  label: string;
  before: number;
  after: number;
}

export function posteriorShift(report: AttackReport, classes: string[], rows = 4): PosteriorShift[] {
  const top = (v: Verdict) =>
    Array.from(v.posterior.keys())
      .sort((a, b) => v.posterior[b] - v.posterior[a])
      .slice(0, rows);
  const shown = [...new Set([...top(report.rounded), ...top(report.clean)])].slice(0, rows + 2);
  return shown
    .map((y) => ({ classIndex: y, label: className(classes, y), before: report.clean.posterior[y], after: report.rounded.posterior[y] }))
    .sort((a, b) => b.after - a.after || b.before - a.before);
}

/** The headline: what happened to the decision of the shown (rounded) image, and the float result beside it. */
export function attackHeadline(report: AttackReport, classes: string[]): { flipped: boolean; text: string; floatText: string } {
  const { settings, cleanClass, rounded, float } = report;
  const name = (y: number) => className(classes, y);
  const goal = settings.target === null ? `away from ${name(cleanClass)}` : `toward ${name(settings.target)}`;
  const outcome = rounded.flipped
    ? `flipped: ${name(cleanClass)} → ${name(rounded.predicted)}`
    : `not flipped: still ${name(rounded.predicted)}${settings.target === null ? '' : `, not ${name(settings.target)}`}`;
  const budget = `${NORM_NAMES[settings.norm]} ε = ${formatEpsilon(settings.epsilon)}`;
  const floatOutcome = float.flipped ? `flipped too (${name(float.predicted)})` : `not flipped (${name(float.predicted)})`;
  return {
    flipped: rounded.flipped,
    text: `${budget}, ${settings.steps} steps of ${formatEpsilon(settings.stepSize)} ${goal}: ${outcome}.`,
    floatText: `The float PGD result, before rounding to 8 bits: ${floatOutcome}.`,
  };
}

/** −log p(x) and the typicality verdict of the clean and the attacked image, against the card's statistics. */
export function typicalityShift(report: AttackReport, card: Record<string, unknown>) {
  return { before: typicality(card, report.clean.logEvidence), after: typicality(card, report.rounded.logEvidence) };
}

export function bracketWords(search: EpsilonBracket, norm: 'linf' | 'l2'): string {
  const attacks = search.tried.length;
  if (search.upper === null) return `No ε up to ${formatEpsilon(search.lower)} flipped the decision in ${attacks} attacks (${NORM_NAMES[norm]}).`;
  return `The smallest flipping ${NORM_NAMES[norm]} ε lies in (${formatEpsilon(search.lower)}, ${formatEpsilon(search.upper)}] pixel units (${attacks} attacks).`;
}

export function formatEpsilon(e: number): string {
  return Number.isInteger(e) ? String(e) : e.toPrecision(4).replace(/\.?0+$/, '');
}
