import { useMemo } from 'react';
import { galleryFor } from '../state/models';
import { className, quotedClass } from '../state/resultWords';
import type { ImageStrip } from '../worker/protocol';
import { ClassSelect } from './ClassSelect';
import { formatCoordinate } from './format';
import { Help } from './Help';
import { ImageCanvas } from './ImageCanvas';
import { Panel } from './Panel';
import { useApp, usePanelClasses } from './storeContext';

export function SamplesPanel() {
  const sampling = useApp((s) => s.view.sampling);
  const setSampling = useApp((s) => s.setSampling);
  const samples = useApp((s) => s.samples);
  const classes = useApp((s) => s.model?.spec.classes);
  const classIndex = usePanelClasses()?.samples;
  if (!classes || classIndex === undefined) return null;
  const context = {
    classes: quotedClass(classes, classIndex),
    method: `z = μ + T·ε, x = f⁻¹(z); seed ${sampling.seed}, T = ${sampling.temperature.toFixed(2)}, ${sampling.count} samples; each labelled with its predicted class`,
  };
  return (
    <Panel id="samples" title="Class-conditional samples" exportName="samples" busy={samples.status === 'running'} context={context}>
      <p className="hint">
        z = μ + T·ε for class {quotedClass(classes, classIndex)}, ε from numpy's RandomState(seed): the same seed gives the same images everywhere.
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
        <label className="field slider-field">
          temperature T = {formatCoordinate(sampling.temperature)}
          <input type="range" min={0} max={2} step={0.05} value={sampling.temperature} onChange={(e) => setSampling({ temperature: Number(e.target.value) })} />
        </label>
        {/* Beside the label, not in it: a button inside a label would take the label's name from the slider. */}
        <Help term="temperature" />
      </div>
      {samples.status === 'failed' && <p className="inline-error">{samples.message}</p>}
      <Strip strip={samples.status === 'done' ? samples.value : samples.status === 'running' ? samples.previous : null} classes={classes} testId="samples" />
    </Panel>
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
          <figcaption>{className(classes, strip.predicted[i])}</figcaption>
        </figure>
      ))}
    </div>
  );
}
