import { type ChangeEvent, useMemo } from 'react';
import { galleryFor } from '../state/models';
import { predictedClass } from '../state/resultView';
import { inputNoteText, quotedClass } from '../state/resultWords';
import { DrawingPad } from './DrawingPad';
import { formatPixelDistance } from './format';
import { Heatmap } from './Heatmap';
import { Help } from './Help';
import { ImageCanvas } from './ImageCanvas';
import { Panel } from './Panel';
import { sequentialScale } from './raster';
import { useApp } from './storeContext';

export function InputPanel() {
  const chooseInput = useApp((s) => s.chooseInput);
  const chooseGallery = useApp((s) => s.chooseGallery);
  const model = useApp((s) => s.model);
  const allGallery = useApp((s) => s.gallery);
  const input = useApp((s) => s.input);
  const classification = useApp((s) => s.classification);
  const gallery = useMemo(() => galleryFor(allGallery, model), [allGallery, model]);
  const gray = model?.spec.input.channels === 1;
  const predicted = classification && model ? quotedClass(model.spec.classes, predictedClass(classification.result)) : null;
  const context = {
    classes: predicted ? `predicted ${predicted}` : 'none yet',
    method: `x: the exact model input${input ? ` (${input.name})` : ''}; x̂ = f⁻¹(f(x)); |x − x̂| per pixel`,
  };
  const takeFile = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.currentTarget.files?.[0];
    if (file) void chooseInput(file, file.name);
    e.currentTarget.value = '';
  };

  return (
    <Panel id="input" title="Input" exportName="input" context={context}>
      {/* Touch screens cannot drop or paste: they get the camera and the photo picker instead (styles.css, .touch-only). */}
      <div data-testid="drop-zone" className="drop-zone">
        <span className="pointer-only">Drop an image anywhere on the page, paste one (Ctrl/Cmd+V), or</span>
        <span className="touch-only">Take a photo of something to classify, or choose one from your photos.</span>
        <label className="button touch-only">
          Take a photo
          <input data-testid="camera-input" type="file" accept="image/*" capture="environment" onChange={takeFile} />
        </label>
        <label className="button">
          <span className="pointer-only">choose a file</span>
          <span className="touch-only">Choose a photo</span>
          <input data-testid="file-input" type="file" accept="image/*" onChange={takeFile} />
        </label>
      </div>
      {gallery.length > 0 && (
        <ul className="gallery" data-testid="gallery" aria-label="gallery">
          {gallery.map((g) => (
            <li key={g.id}>
              <button
                type="button"
                className={input?.galleryId === g.id ? 'thumb selected' : 'thumb'}
                title={`${g.title}\n${g.credit}`}
                data-gallery-id={g.id}
                onClick={() => void chooseGallery(g.id)}
              >
                <img src={`gallery/${g.file}`} alt={g.title} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {gray && <DrawingPad onDrawn={(blob) => void chooseInput(blob, 'drawing.png')} />}
      {classification && (
        <>
          {classification.notes.length > 0 && (
            <ul className="notes" data-testid="input-notes">
              {classification.notes.map(inputNoteText).map((text) => (
                <li key={text}>{text}</li>
              ))}
            </ul>
          )}
          <div className="figures">
            <figure>
              <ImageCanvas image={classification.input} label="the exact model input" testId="model-input" />
              <figcaption>
                x: exact model input ({classification.input.width}×{classification.input.height}, {input?.name})
              </figcaption>
            </figure>
            <Reconstruction />
          </div>
        </>
      )}
    </Panel>
  );
}

/** x̂ and |x − x̂|: they arrive one inverse pass after the posteriors. */
function Reconstruction() {
  const reconstruction = useApp((s) => s.reconstruction);
  const input = useApp((s) => s.classification?.input);
  const colors = useMemo(() => reconstruction && sequentialScale(reconstruction.maxError), [reconstruction]);
  if (!input) return null;
  if (!reconstruction || !colors)
    return (
      <p className="hint" data-testid="reconstruction-pending">
        Computing x̂ = f⁻¹(f(x))…
      </p>
    );
  return (
    <>
      <figure>
        <ImageCanvas image={reconstruction.image} label="the reconstruction f⁻¹(f(x))" testId="reconstruction-image" />
        <figcaption>x̂ = f⁻¹(f(x))</figcaption>
      </figure>
      <figure>
        <Heatmap
          values={reconstruction.error}
          width={input.width}
          height={input.height}
          colors={colors}
          size={160}
          label="reconstruction error per pixel"
          legend="on the [0, 1] pixel scale"
        />
        <figcaption>
          |x − x̂| per pixel <Help term="reconstructionError" />{' '}
          <span className="badge" data-testid="reconstruction-error" data-value={reconstruction.maxError}>
            max {formatPixelDistance(reconstruction.maxError)}
          </span>
        </figcaption>
      </figure>
    </>
  );
}
