/** The axe-core audit the accessibility suites share: inject axe into the page, run every rule, print what it finds. */
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** Impacts that fail a test; minor and moderate findings are printed only. */
const FAILING = new Set(['serious', 'critical']);

export interface AxeFinding {
  state: string;
  rule: string;
  impact: string;
  help: string;
  /** The offending elements (CSS selectors) with axe's reason. */
  nodes: string[];
}

/** Runs axe-core on the whole page; prints every violation and returns the serious and critical ones, labelled with `state`. */
export async function auditPage(page: Page, state: string): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } };
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      rule: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ').trim()}`),
    }));
  });
  const findings = violations.map((v) => ({ state, ...v }));
  for (const f of findings) console.log(`axe [${state}] ${f.impact} ${f.rule}: ${f.help}\n  ${f.nodes.join('\n  ')}`);
  if (findings.length === 0) console.log(`axe [${state}]: no violations`);
  return findings.filter((f) => FAILING.has(f.impact));
}
