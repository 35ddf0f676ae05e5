/** The trust report's charts (d3 into SVG): they draw what src/state/trustReport computed. */
import { axisBottom, axisLeft, bin, extent, line, max, scaleBand, scaleLinear, select } from 'd3';
import { useRef } from 'react';
import type { ReliabilityBin, RocPoint } from '../explain/trustMetrics';
import type { CardStatistics } from '../state/trustReport';
import { formatPercent, formatProbability } from './format';
import { useDrawEffect } from './useDrawEffect';

const SIZE = 240;
const M = { top: 10, right: 10, bottom: 34, left: 42 };
const FOLDER_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#854d0e', '#475569', '#f59e0b', '#14b8a6'];
export const folderColor = (i: number) => FOLDER_COLORS[i % FOLDER_COLORS.length];

type Svg = ReturnType<typeof select<SVGSVGElement, unknown>>;

function frame(svg: SVGSVGElement, xDomain: [number, number], yDomain: [number, number], xLabel: string, yLabel: string, width = SIZE) {
  const x = scaleLinear(xDomain, [M.left, width - M.right]);
  const y = scaleLinear(yDomain, [SIZE - M.bottom, M.top]);
  const s: Svg = select(svg).attr('viewBox', `0 0 ${width} ${SIZE}`);
  s.selectAll('*').remove();
  s.append('g').attr('transform', `translate(0, ${y.range()[0]})`).call(axisBottom(x).ticks(5));
  s.append('g').attr('transform', `translate(${M.left}, 0)`).call(axisLeft(y).ticks(5));
  s.append('text')
    .attr('x', (M.left + width - M.right) / 2)
    .attr('y', SIZE - 3)
    .attr('text-anchor', 'middle')
    .attr('font-size', 10)
    .text(xLabel);
  s.append('text')
    .attr('transform', `translate(10, ${SIZE / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('font-size', 10)
    .text(yLabel);
  return { s, x, y };
}

/** Accuracy against mean confidence per bin (bars span the bin); the diagonal is perfect calibration. */
export function ReliabilityChart({ bins }: { bins: ReliabilityBin[] }) {
  const ref = useRef<SVGSVGElement>(null);
  useDrawEffect(ref, () => {
    const { s, x, y } = frame(ref.current!, [0, 1], [0, 1], 'confidence p(ŷ|x)', 'accuracy');
    s.append('line').attr('x1', x(0)).attr('y1', y(0)).attr('x2', x(1)).attr('y2', y(1)).attr('stroke', '#9ca3af').attr('stroke-dasharray', '4 3');
    const filled = bins.filter((b) => b.count > 0);
    s.selectAll('rect.acc')
      .data(filled)
      .join('rect')
      .attr('x', (b) => x(b.lower) + 1)
      .attr('width', (b) => x(b.upper) - x(b.lower) - 2)
      .attr('y', (b) => y(b.accuracy ?? 0))
      .attr('height', (b) => y(0) - y(b.accuracy ?? 0))
      .attr('fill', '#60a5fa')
      .append('title')
      .text(
        (b) =>
          `${b.count} images, confidence ${b.meanConfidence === null ? '—' : formatProbability(b.meanConfidence)}, accuracy ${b.accuracy === null ? '—' : formatPercent(b.accuracy)}`,
      );
    s.selectAll('circle.conf')
      .data(filled)
      .join('circle')
      .attr('cx', (b) => x(b.meanConfidence ?? 0))
      .attr('cy', (b) => y(b.meanConfidence ?? 0))
      .attr('r', 2.5)
      .attr('fill', '#1e3a8a');
  }, [bins]);
  return <svg ref={ref} width={SIZE} height={SIZE} role="img" aria-label="reliability diagram of the labelled images" data-testid="trust-reliability" />;
}

/** counts[label][predicted] as shaded cells, rows normalized. */
export function ConfusionChart({ matrix, classNames }: { matrix: number[][]; classNames: readonly string[] }) {
  const ref = useRef<SVGSVGElement>(null);
  const k = matrix.length;
  const size = Math.max(SIZE, 60 + k * 18);
  useDrawEffect(ref, () => {
    const left = 60;
    const top = 10;
    const cells = scaleBand(
      matrix.map((_, i) => String(i)),
      [0, size - left - 40],
    );
    const s = select(ref.current!).attr('viewBox', `0 0 ${size} ${size}`);
    s.selectAll('*').remove();
    const g = s.append('g').attr('transform', `translate(${left}, ${top})`);
    for (let label = 0; label < k; label++) {
      const total = matrix[label].reduce((a, b) => a + b, 0);
      for (let predicted = 0; predicted < k; predicted++) {
        const n = matrix[label][predicted];
        const share = total ? n / total : 0;
        const cell = g.append('g').attr('transform', `translate(${cells(String(predicted))}, ${cells(String(label))})`);
        cell
          .append('rect')
          .attr('width', cells.bandwidth() - 1)
          .attr('height', cells.bandwidth() - 1)
          .attr('fill', label === predicted ? `rgba(37, 99, 235, ${0.1 + 0.9 * share})` : n ? `rgba(220, 38, 38, ${0.15 + 0.85 * share})` : '#f3f4f6')
          .append('title')
          .text(`label ${classNames[label] ?? label} → predicted ${classNames[predicted] ?? predicted}: ${n}`);
        if (n && cells.bandwidth() >= 14)
          cell
            .append('text')
            .attr('x', cells.bandwidth() / 2)
            .attr('y', cells.bandwidth() / 2 + 3)
            .attr('text-anchor', 'middle')
            .attr('font-size', 8)
            .attr('fill', share > 0.5 ? 'white' : '#111')
            .text(n);
      }
      g.append('text')
        .attr('x', -4)
        .attr('y', (cells(String(label)) ?? 0) + cells.bandwidth() / 2 + 3)
        .attr('text-anchor', 'end')
        .attr('font-size', 9)
        .text((classNames[label] ?? String(label)).slice(0, 10));
    }
    const bottom = top + cells.range()[1];
    s.append('text')
      .attr('x', left + cells.range()[1] / 2)
      .attr('y', bottom + 28)
      .attr('text-anchor', 'middle')
      .attr('font-size', 10)
      .text('predicted class (columns, same order)');
    s.append('text')
      .attr('transform', `translate(10, ${top + cells.range()[1] / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .attr('font-size', 10)
      .text('label');
  }, [matrix, classNames, k, size]);
  return <svg ref={ref} width={size} height={size} role="img" aria-label="confusion matrix" data-testid="trust-confusion" />;
}

/** −log p(x) of each folder as a histogram (share of its images), with the card's in-distribution mean ± 2 std shaded. */
export function NllHistogram({ folders, card }: { folders: { folder: string; negLogPx: number[] }[]; card: CardStatistics | null }) {
  const ref = useRef<SVGSVGElement>(null);
  const width = 360;
  useDrawEffect(ref, () => {
    const all = folders.flatMap((f) => f.negLogPx);
    const [lo, hi] = extent([...all, ...(card ? [card.mean - 2 * card.std, card.mean + 2 * card.std] : [])]) as [number, number];
    const pad = (hi - lo) * 0.05 || 1;
    const domain: [number, number] = [lo - pad, hi + pad];
    const thresholds = scaleLinear(domain, [0, 1]).ticks(30);
    const histograms = folders.map((f) => {
      const bins = bin().domain(domain).thresholds(thresholds)(f.negLogPx);
      return bins.map((b) => ({ x0: b.x0 ?? 0, x1: b.x1 ?? 0, share: b.length / f.negLogPx.length }));
    });
    const top = max(histograms.flat(), (b) => b.share) ?? 1;
    const { s, x, y } = frame(ref.current!, domain, [0, top * 1.05], '−log p(x) (nats)', 'share of the folder', width);
    if (card) {
      s.append('rect')
        .attr('x', x(card.mean - 2 * card.std))
        .attr('width', x(card.mean + 2 * card.std) - x(card.mean - 2 * card.std))
        .attr('y', M.top)
        .attr('height', y(0) - M.top)
        .attr('fill', '#fef3c7')
        .lower();
      s.append('line')
        .attr('x1', x(card.mean))
        .attr('x2', x(card.mean))
        .attr('y1', M.top)
        .attr('y2', y(0))
        .attr('stroke', '#b45309')
        .attr('stroke-dasharray', '3 2');
    }
    histograms.forEach((bins, i) => {
      const path = line<{ x: number; y: number }>()
        .x((p) => x(p.x))
        .y((p) => y(p.y));
      const points = bins.flatMap((b) => [
        { x: b.x0, y: b.share },
        { x: b.x1, y: b.share },
      ]);
      s.append('path').attr('d', path(points)).attr('fill', 'none').attr('stroke', folderColor(i)).attr('stroke-width', 1.5);
    });
  }, [folders, card]);
  return <svg ref={ref} width={width} height={SIZE} role="img" aria-label="histogram of −log p(x) per folder" data-testid="trust-histogram" />;
}

/** True positive rate (out-of-distribution flagged) against false positive rate (in-distribution flagged). */
export function RocChart({ points }: { points: RocPoint[] }) {
  const ref = useRef<SVGSVGElement>(null);
  useDrawEffect(ref, () => {
    const { s, x, y } = frame(ref.current!, [0, 1], [0, 1], 'in-distribution flagged (FPR)', 'out-of-distribution flagged (TPR)');
    s.append('line').attr('x1', x(0)).attr('y1', y(0)).attr('x2', x(1)).attr('y2', y(1)).attr('stroke', '#9ca3af').attr('stroke-dasharray', '4 3');
    const path = line<RocPoint>()
      .x((p) => x(p.falsePositive))
      .y((p) => y(p.truePositive));
    s.append('path').attr('d', path(points)).attr('fill', 'none').attr('stroke', '#dc2626').attr('stroke-width', 2);
  }, [points]);
  return <svg ref={ref} width={SIZE} height={SIZE} role="img" aria-label="ROC curve of the typicality test" data-testid="trust-roc" />;
}
