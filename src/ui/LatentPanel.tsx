import { scaleLinear, select } from 'd3';
import { memo, type ReactNode, useMemo, useRef } from 'react';
import { unseenFlip } from '../explain/imageChange';
import { formatSliderId, type SliderId, sameSlider } from '../explain/sliderId';
import { posteriorBars } from '../state/resultView';
import { className, latentClassWords, quotedClass } from '../state/resultWords';
import { unlistedSliders } from '../state/sliders';
import type { LatentGuide, SeparatingDimensionInfo } from '../worker/protocol';
import { ClassSelect } from './ClassSelect';
import { formatCoordinate, formatPercent, formatPixelDistance } from './format';
import { Heatmap } from './Heatmap';
import { Help } from './Help';
import { ImageCanvas } from './ImageCanvas';
import { Panel } from './Panel';
import { PosteriorChart, PosteriorChartKey } from './PosteriorChart';
import { divergingScale } from './raster';
import { useApp, usePanelClasses } from './storeContext';
import { linesWithMovingLabel, placeLabels } from './stripLabels';
import { textWidth } from './textWidth';
import { useDrawEffect } from './useDrawEffect';
import { useElementWidth } from './useElementWidth';

const COUNTERFACTUAL_BARS = 6;

export function LatentPanel() {
  const guide = useApp((s) => s.guide);
  const classes = useApp((s) => s.model?.spec.classes);
  const sliders = useApp((s) => s.view.sliders);
  const choice = useApp((s) => s.view.latent);
  const setLatentClasses = useApp((s) => s.setLatentClasses);
  const setSlider = useApp((s) => s.setSlider);
  const resetSliders = useApp((s) => s.resetSliders);
  const resolved = usePanelClasses()?.latent;
  if (!classes || !resolved) return null;
  const amount = (id: SliderId) => sliders.find((s) => sameSlider(s.direction, id))?.amount ?? 0;
  const toward: SliderId = { kind: 'toward', to: resolved.toward };
  const unlisted = guide ? unlistedSliders(sliders, resolved.toward, guide) : [];
  const name = (y: number) => className(classes, y);
  const towardLabel =
    `toward “${name(resolved.toward)}” (1 = all the way)` +
    (guide?.crossing != null && guide.b === resolved.toward
      ? `; p(${name(resolved.toward)}) overtakes p(${name(guide.a)}) at ${formatCoordinate(guide.crossing)}`
      : '');
  const principal = guide ? principalSliders(guide) : [];
  const residual = guide && residualSlider(guide);
  const listed = [
    { id: toward, label: towardLabel },
    ...(guide?.separating.map((d) => ({ id: { kind: 'dimension', index: d.index } as SliderId, label: dimensionLabel(d) })) ?? []),
    ...principal,
    ...(residual ? [residual] : []),
    ...unlisted.map((s) => ({ id: s.direction, label: formatSliderId(s.direction) })),
  ];
  const context = {
    classes: latentClassWords(classes, resolved),
    method: 'x′ = f⁻¹(z′), z′ = z + the slider moves',
    details: listed.map(({ id, label }) => `${label}: ${formatCoordinate(amount(id))}`),
  };

  return (
    <Panel id="latent" title="Latent editor" exportName="latent-editor" context={context}>
      <div className="controls">
        <ClassSelect
          label="edit from class"
          classes={classes}
          value={choice.from}
          words={{ predicted: 'the predicted class' }}
          onChange={(from) => setLatentClasses({ from })}
          testId="latent-from"
        />
        <ClassSelect
          label="toward"
          classes={classes}
          value={choice.toward}
          words={{ predicted: 'the most probable other class' }}
          onChange={(toward) => setLatentClasses({ toward })}
          testId="latent-toward"
        />
      </div>
      <p className="hint">
        Every slider changes the latent z = f(x) <Help term="latent" />; the image is x′ = f⁻¹(z′), recomputed while you drag. Edits start from the original z,
        from class {quotedClass(classes, resolved.from)}. “Toward” adds t·(μ_b − μ_a): it moves only what the class means explain and keeps the rest of z, so x′
        keeps the image's style; ‖x′ − x‖ and the difference image show how much the pixels moved.
      </p>
      {resolved.from === resolved.toward && (
        <p className="hint" data-testid="latent-same-class">
          “Toward” is the class the edits start from, so no dimension separates them: choose another class to move toward.
        </p>
      )}
      <div className="latent-layout">
        <div className="sliders">
          <Slider id={toward} label={towardLabel} min={0} max={1.5} step={0.05} value={amount(toward)} onChange={setSlider} />
          {guide && (
            <>
              <h3>
                Dimensions that separate “{name(guide.a)}” from “{name(guide.b)}” <Help term="separatingShare" />
              </h3>
              {guide.separating.map((d) => (
                <DimensionSlider
                  key={d.index}
                  dim={d}
                  amount={amount({ kind: 'dimension', index: d.index })}
                  onChange={setSlider}
                  nameA={name(guide.a)}
                  nameB={name(guide.b)}
                />
              ))}
              <h3>Principal directions of the class means</h3>
              {principal.map(({ id, label, std }) => (
                <Slider key={formatSliderId(id)} id={id} label={label} min={-3 * std} max={3 * std} step={std / 20} value={amount(id)} onChange={setSlider} />
              ))}
              <h3>What the class means do not explain</h3>
              <p className="hint" data-testid="residual-help">
                r is the part of z − μ̄ outside the span of the class means. −1 removes it: z′ then lies among the class means, where the density peaks, so x′ is
                as blank as a decoded class mean.{' '}
                {guide.residual.subspaceDims === classes.length - 1
                  ? 'p(y|x′) stays exactly as it was: r is orthogonal to every μ_y − μ̄, so it shifts every logit by the same ‖r‖²/2.'
                  : `p(y|x′) barely changes: r is orthogonal to the ${guide.residual.subspaceDims} principal directions kept, not to every class mean.`}
              </p>
              {residual && <Slider id={residual.id} label={residual.label} min={-1} max={1} step={0.05} value={amount(residual.id)} onChange={setSlider} />}
              {unlisted.length > 0 && <h3 data-testid="unlisted-sliders">Moved sliders not listed above (from a link, or set for other classes)</h3>}
              {unlisted.map((s) => (
                <Slider
                  key={formatSliderId(s.direction)}
                  id={s.direction}
                  label={formatSliderId(s.direction)}
                  min={s.min}
                  max={s.max}
                  step={0.05}
                  value={s.amount}
                  onChange={setSlider}
                />
              ))}
            </>
          )}
          <button type="button" className="button secondary" onClick={resetSliders} data-testid="reset-sliders" disabled={sliders.length === 0}>
            Reset to the original
          </button>
        </div>
        <Counterfactual />
      </div>
    </Panel>
  );
}

const dimensionLabel = (dim: SeparatingDimensionInfo) => `z[${dim.index}] (share of the logit difference ${formatPercent(dim.contribution, { decimals: 0 })})`;

function principalSliders(guide: LatentGuide): { id: SliderId; label: string; std: number }[] {
  return guide.principalStd.map((std, j) => ({
    id: { kind: 'principal', index: j },
    label: `PC ${j + 1} (${formatPercent(guide.principalShare[j], { decimals: 0 })} of the means' variance; z at ${formatCoordinate(guide.principalCoordinates[j])})`,
    std,
  }));
}

function residualSlider(guide: LatentGuide): { id: SliderId; label: string } {
  const { norm, rms, subspaceDims } = guide.residual;
  return {
    id: { kind: 'residual' },
    label: `residual strength: ‖r‖ = ${formatCoordinate(norm)} (rms ${formatCoordinate(rms)} per dimension, outside ${subspaceDims} principal directions); −1 removes it`,
  };
}

interface SliderProps {
  id: SliderId;
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  onChange: (id: SliderId, v: number) => void;
  /** Drawn under the range input at its exact width. */
  below?: ReactNode;
}

function Slider({ id, label, min, max, step, value, onChange, below }: SliderProps) {
  return (
    <label className="slider">
      <span>{label}</span>
      <span className="slider-row">
        <input
          type="range"
          data-testid="latent-slider"
          data-direction={formatSliderId(id)}
          min={min}
          max={max}
          step={step}
          value={value}
          onChange={(e) => onChange(id, Number(e.target.value))}
        />
        <output>{formatCoordinate(value)}</output>
        {below}
      </span>
    </label>
  );
}

/** Memoised: a slider step moves one coordinate, and every other strip would be drawn again. */
const DimensionSlider = memo(function DimensionSlider({
  dim,
  amount,
  onChange,
  nameA,
  nameB,
}: {
  dim: SeparatingDimensionInfo;
  amount: number;
  onChange: SliderProps['onChange'];
  nameA: string;
  nameB: string;
}) {
  const low = Math.min(dim.z, dim.meanA, dim.meanB) - 2;
  const high = Math.max(dim.z, dim.meanA, dim.meanB) + 2;
  return (
    <div className="dimension">
      <Slider
        id={{ kind: 'dimension', index: dim.index }}
        label={dimensionLabel(dim)}
        min={low - dim.z}
        max={high - dim.z}
        step={0.05}
        value={amount}
        onChange={onChange}
        below={
          <DimensionStrip
            low={low}
            high={high}
            marks={[
              { key: 'a', at: dim.meanA, label: `μ ${nameA}`, color: '#1d4ed8' },
              { key: 'b', at: dim.meanB, label: `μ ${nameB}`, color: '#b45309' },
              { key: 'z', at: dim.z + amount, label: 'z′', color: '#111827' },
            ]}
          />
        }
      />
    </div>
  );
});

/** Half the range thumb's width (styles.css): the thumb's center runs from this inset to the width less it. */
const THUMB_INSET = 8;

/**
 * One latent coordinate on an axis as wide as its slider, with both class means and z′ marked; z′ sits under
 * the slider's thumb. Labels that would touch go to further lines; the strip keeps its height while z′ moves.
 */
function DimensionStrip({ low, high, marks }: { low: number; high: number; marks: { key: string; at: number; label: string; color: string }[] }) {
  const ref = useRef<SVGSVGElement>(null);
  const width = useElementWidth(ref, 0);
  // Kept across renders that change none of their inputs, so that the strip redraws only when it changes.
  const x = useMemo(() => scaleLinear([low, high], [THUMB_INSET, width - THUMB_INSET]), [low, high, width]);
  const placed = useMemo(
    () =>
      placeLabels(
        marks.map((d) => ({ x: x(d.at), width: textWidth(d.label, LABEL_SIZE) })),
        width,
      ),
    [marks, x, width],
  );
  // Two lines until the width is known: most strips need no more, so the panel does not shift when it is measured.
  const height = FIRST_LINE + LINE_HEIGHT * ((width ? linesWithMovingLabel(placed) : 2) - 1) + 5;
  useDrawEffect(ref, () => {
    if (!width) return;
    const svg = select(ref.current!).attr('viewBox', `0 0 ${width} ${height}`);
    svg
      .selectAll('line.axis')
      .data([0])
      .join('line')
      .attr('class', 'axis')
      .attr('x1', THUMB_INSET)
      .attr('x2', width - THUMB_INSET)
      .attr('y1', 9)
      .attr('y2', 9)
      .attr('stroke', '#d1d5db');
    const g = svg
      .selectAll<SVGGElement, (typeof marks)[number]>('g.mark')
      .data(marks)
      .join((enter) => {
        const m = enter.append('g').attr('class', 'mark');
        m.append('circle').attr('r', 4).attr('cy', 9);
        m.append('text').attr('font-size', LABEL_SIZE).attr('text-anchor', 'middle');
        return m;
      });
    g.attr('transform', (d) => `translate(${x(d.at)}, 0)`).attr('data-mark', (d) => d.key);
    g.select('circle').attr('fill', (d) => d.color);
    g.select('text')
      .attr('x', (d, i) => placed[i].center - x(d.at))
      .attr('y', (_, i) => FIRST_LINE + LINE_HEIGHT * placed[i].line)
      .attr('fill', (d) => d.color)
      .text((d) => d.label);
  }, [marks, x, placed, width, height]);
  return <svg ref={ref} className="strip" height={height} aria-hidden="true" />;
}

const LABEL_SIZE = 11;
/** Baseline of the first label line, and the distance between lines, in pixels. */
const FIRST_LINE = 25;
const LINE_HEIGHT = 12;

function Counterfactual() {
  const counterfactual = useApp((s) => s.counterfactual);
  const before = useApp((s) => s.classification?.result.posterior);
  const classes = useApp((s) => s.model?.spec.classes);
  const bars = useMemo(
    () => counterfactual && classes && posteriorBars(counterfactual.posterior, counterfactual.logits, classes, COUNTERFACTUAL_BARS),
    [counterfactual, classes],
  );
  const difference = useMemo(() => counterfactual && divergingScale(counterfactual.change.difference), [counterfactual]);
  if (!counterfactual || !bars || !classes || !difference) return <p className="hint">Decoding…</p>;
  const { change } = counterfactual;
  const flip = before && !counterfactual.original ? unseenFlip(before.subarray(0, counterfactual.posterior.length), counterfactual.posterior, change) : null;
  return (
    <div className="counterfactual">
      <figure>
        <ImageCanvas image={counterfactual.image} size={200} label="the counterfactual image x′" testId="counterfactual-image" />
        <figcaption data-testid="counterfactual-state" data-original={counterfactual.original}>
          {counterfactual.original ? 'x′ = x: no slider moves z' : 'x′ = f⁻¹(z′)'}
        </figcaption>
      </figure>
      {!counterfactual.original && (
        <figure>
          <Heatmap
            values={change.difference}
            width={change.width}
            height={change.height}
            colors={difference}
            size={160}
            label="the difference image x′ − x"
            legend="x′ − x (pixel units)"
            testId="counterfactual-difference"
          />
          <figcaption data-testid="counterfactual-change">
            ‖x′ − x‖₂ = {formatPixelDistance(change.l2)} (rms {formatPixelDistance(change.rms)}, PSNR {change.psnr.toFixed(1)} dB; largest pixel change{' '}
            {formatPixelDistance(change.maxAbs)})
          </figcaption>
        </figure>
      )}
      <PosteriorChartKey beside="latentFit" />
      <PosteriorChart bars={bars} beside="latentFit" testId="counterfactual-posterior" highlight={bars[0]?.classIndex ?? undefined} />
      {flip && (
        <p className="finding" data-testid="unseen-flip">
          The decision flipped from “{className(classes, flip.from)}” to “{className(classes, flip.to)}” while x′ differs from x by only rms{' '}
          {formatPixelDistance(change.rms)} (PSNR {change.psnr.toFixed(1)} dB, too little to see): that is what this model does, not a bug — the direction
          between class means in z is a faint pattern in pixels.
        </p>
      )}
    </div>
  );
}
