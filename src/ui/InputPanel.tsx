import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { ModelInputImage } from '../worker/protocol';
import { renderSample, SAMPLES } from './samples';
import { useApp } from './storeContext';

export function InputPanel() {
  const chooseInput = useApp((s) => s.chooseInput);
  const input = useApp((s) => s.input);
  const modelInput = useApp((s) => s.modelInput);
  const [dragging, setDragging] = useState(false);

  const chooseFirst = (files: FileList | null) => {
    const file = files?.[0];
    if (file) void chooseInput(file, file.name);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    chooseFirst(event.dataTransfer.files);
  };

  return (
    <section className="panel">
      <h2>Input</h2>
      <div
        data-testid="drop-zone"
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <span>Drop an image here or</span>
        <label className="button">
          choose a file
          <input
            data-testid="file-input"
            type="file"
            accept="image/*"
            onChange={(e) => {
              chooseFirst(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </label>
      </div>
      <div className="samples">
        <span>Samples:</span>
        {SAMPLES.map((sample) => (
          <button
            key={sample.name}
            type="button"
            className="button secondary"
            onClick={async () => chooseInput(await renderSample(sample), `${sample.name.toLowerCase()}.png`)}
          >
            {sample.name}
          </button>
        ))}
      </div>
      {input && (
        <div className="previews">
          <figure>
            <img src={input.previewUrl} alt={input.name} />
            <figcaption>{input.name}</figcaption>
          </figure>
          {modelInput && (
            <figure>
              <ModelInputCanvas image={modelInput} />
              <figcaption>
                exact model input, {modelInput.width}×{modelInput.height}
              </figcaption>
            </figure>
          )}
        </div>
      )}
    </section>
  );
}

function ModelInputCanvas({ image }: { image: ModelInputImage }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    ref.current?.getContext('2d')?.putImageData(new ImageData(image.rgba, image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} width={image.width} height={image.height} className="model-input" data-testid="model-input" />;
}
