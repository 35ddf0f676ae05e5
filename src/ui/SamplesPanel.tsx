import { useMemo } from 'react';
import { galleryFor } from '../state/models';
import { typicalRange } from '../state/resultView';
import { className, quotedClass } from '../state/resultWords';
import type { ImageStrip, SampleStrip } from '../worker/protocol';
import { ClassSelect } from './ClassSelect';
import { formatProbability } from './format';
import { ImageCanvas } from './ImageCanvas';
import { Panel } from './Panel';
import { useApp, usePanelClasses } from './storeContext';

export function SamplesPanel() {
  const sampling = useApp((s) => s.view.sampling);
  const setSampling = useApp((s) => s.setSampling);
  const samples = useApp((s) => s.samples);
  const spec = useApp((s) => s.model?.spec);
  const classIndex = usePanelClasses()?.samples;
  if (!spec || classIndex === undefined) return null;
  const { classes } = spec;
  const shown = samples.status === 'done' ? samples.value : samples.status === 'running' ? samples.previous : null;
  const range = typicalRange(spec.card);
  const testBits = spec.card.measured.find((m) => m.name === 'bits per dimension')?.value;
  const typicalMode = sampling.keep === 'typical' && range !== null;
  const temperature = typicalMode ? `T = ${shown ? shown.temperature.toFixed(2) : '…'} (found for typical samples)` : `T = ${sampling.temperature.toFixed(2)}`;
  const context = {
    classes: quotedClass(classes, classIndex),
    method: `z = μ + T·ε, x = f⁻¹(z); seed ${sampling.seed}, ${temperature}, ${sampling.count} samples; each labelled with the class p(y|x) gives it and its −log p(x)`,
  };
  return (
    <Panel id="samples" title="Class-conditional samples" exportName="samples" busy={samples.status === 'running'} context={context}>
      <p className="hint">
        z = μ + T·ε for class {quotedClass(classes, classIndex)}, ε from numpy's RandomState(seed): the same seed gives the same images everywhere. Each sample
        x = f⁻¹(z) is classified again: its caption is the class p(y|x) gives it, and −log p(x) in bits/dim (lower is more likely).
      </p>
      <div className="controls">
        <ClassSelect
          label="class"
          classes={classes}
          value={sampling.target}
          words={{ predicted: 'the predicted class' }}
          onChange={(target) => setSampling({ target })}
          testId="samples-class"
        />
        <label className="field">
          seed
          <input
            type="number"
            min={0}
            max={4294967295}
            value={sampling.seed}
            onChange={(e) => Number.isInteger(Number(e.target.value)) && setSampling({ seed: Math.max(0, Number(e.target.value)) })}
            data-testid="sample-seed"
          />
        </label>
        <label className="field">
          count
          <input
            type="number"
            min={1}
            max={16}
            value={sampling.count}
            onChange={(e) => setSampling({ count: Math.min(16, Math.max(1, Math.round(Number(e.target.value)) || 1)) })}
          />
        </label>
        <label className="field">
          <span>
            <input
              type="checkbox"
              checked={typicalMode}
              disabled={!range}
              onChange={(e) => setSampling({ keep: e.target.checked ? 'typical' : 'all' })}
              data-testid="sample-typical"
            />{' '}
            typical samples (T chosen for them)
          </span>
        </label>
        <label className="field slider-field">
          {typicalMode ? `temperature T = ${shown ? shown.temperature.toFixed(2) : '…'} (found)` : `temperature T = ${sampling.temperature.toFixed(2)}`}
          <input
            type="range"
            min={0}
            max={2}
            step={0.05}
            value={typicalMode && shown ? shown.temperature : sampling.temperature}
            disabled={typicalMode}
            onChange={(e) => setSampling({ temperature: Number(e.target.value) })}
            data-testid="sample-temperature"
          />
        </label>
      </div>
      {shown && <ModeFinding strip={shown} testBits={testBits} />}
      {!range && (
        <p className="hint">This model's card gives no −log p(x) statistics of its data, so samples cannot be checked for typicality and are all shown.</p>
      )}
      {shown && shown.images.length < shown.requested && (
        <p className="hint" data-testid="samples-shortfall">
          Only {shown.images.length} of {shown.draws} candidates at T = {shown.temperature.toFixed(2)} were typical of the test images (−log p(x) within 2
          standard deviations of theirs); try another seed.
        </p>
      )}
      {samples.status === 'failed' && <p className="inline-error">{samples.message}</p>}
      <Strip strip={shown} classes={classes} testId="samples" />
    </Panel>
  );
}

/** Why the class mean is no picture of the class, in the loaded model's own numbers. */
function ModeFinding({ strip, testBits }: { strip: SampleStrip; testBits: number | undefined }) {
  const range = strip.typicalBits;
  return (
    <p className="hint" data-testid="samples-mode">
      Why not T = 0? The class mean μ is the density's mode: it decodes to an image of {strip.mode.bitsPerDim.toFixed(2)} bits/dim,{' '}
      {range
        ? `far more likely than the test images (typical: ${range[0].toFixed(2)}–${range[1].toFixed(2)} bits/dim)`
        : testBits === undefined
          ? 'more likely than any image near it'
          : `far more likely than the test images (${testBits.toFixed(2)} bits/dim on average)`}
      , and a flow's most likely image is an atypical, nearly blank one. Typical images lie further from μ.{' '}
      {range
        ? `Here T = ${strip.temperature.toFixed(2)} gives samples as likely as the test images (Glow's demos use 0.7; the right T depends on the model), and only samples in the test images' typical range are shown.`
        : "Glow's demos use T = 0.7; “typical samples” finds the T at which samples are as likely as the test images."}
    </p>
  );
}

export function InterpolationPanel() {
  const interpolation = useApp((s) => s.interpolation);
  const interpolateWith = useApp((s) => s.interpolateWith);
  const model = useApp((s) => s.model);
  const allGallery = useApp((s) => s.gallery);
  const gallery = useMemo(() => galleryFor(allGallery, model), [allGallery, model]);
  if (!model) return null;
  const context = {
    classes: 'each step labelled with its predicted class',
    method: `the straight line in z from this image to ${interpolation.other ? `“${interpolation.other.name}”` : 'a second image'}, each step decoded by f⁻¹`,
  };
  return (
    <Panel id="interpolation" title="Interpolation in z" exportName="interpolation" busy={interpolation.status === 'running'} context={context}>
      <p className="hint">From the current image to a second one along the straight line between their latents, each step decoded by f⁻¹.</p>
      <div className="controls">
        <label className="field">
          second image
          <select value="" onChange={(e) => e.target.value && void interpolateWith({ galleryId: e.target.value })} data-testid="interpolation-gallery">
            <option value="">from the gallery…</option>
            {gallery.map((g) => (
              <option key={g.id} value={g.id}>
                {g.title}
              </option>
            ))}
          </select>
        </label>
        <label className="button secondary">
          or a file
          <input
            type="file"
            accept="image/*"
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) void interpolateWith({ file, name: file.name });
              e.currentTarget.value = '';
            }}
          />
        </label>
      </div>
      {interpolation.status === 'failed' && <p className="inline-error">{interpolation.message}</p>}
      {interpolation.other && (
        <p className="hint" data-testid="interpolation-to">
          to “{interpolation.other.name}”
        </p>
      )}
      <Strip strip={interpolation.status === 'done' ? interpolation.value : null} classes={model.spec.classes} testId="interpolation" />
    </Panel>
  );
}

function Strip({ strip, classes, testId }: { strip: ImageStrip | null; classes: string[]; testId: string }) {
  if (!strip) return null;
  return (
    <div className="strip-images" data-testid={testId}>
      {strip.images.map((image, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: sample i of a seeded strip is its identity
        <figure key={i}>
          <ImageCanvas image={image} size={96} label={`image ${i + 1}`} />
          <figcaption data-testid="strip-caption">
            classified as {className(classes, strip.facts[i].predicted)} (p = {formatProbability(strip.facts[i].probability)})
            <br />
            <span className="hint">−log p(x) = {strip.facts[i].bitsPerDim.toFixed(2)} bits/dim</span>
          </figcaption>
        </figure>
      ))}
    </div>
  );
}
