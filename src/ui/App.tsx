import { useEffect } from 'react';
import type { Dropped } from '../state/dropActions';
import type { PanelId } from '../state/permalink';
import { AttackPanel } from './AttackPanel';
import { CalibrationPanel } from './CalibrationPanel';
import { Header } from './Header';
import { InputPanel } from './InputPanel';
import { LatentPanel } from './LatentPanel';
import { MapPanel } from './MapPanel';
import { PosteriorPanel } from './PosteriorPanel';
import { InterpolationPanel, SamplesPanel } from './SamplesPanel';
import { StatusBar } from './StatusBar';
import { useApp } from './storeContext';
import { TrustPanel } from './TrustPanel';

const PANEL_COMPONENTS: Record<PanelId, () => React.ReactNode> = {
  input: InputPanel,
  posterior: PosteriorPanel,
  map: MapPanel,
  latent: LatentPanel,
  samples: SamplesPanel,
  interpolation: InterpolationPanel,
  calibration: CalibrationPanel,
  trust: TrustPanel,
  attack: AttackPanel,
};

export function App() {
  const panels = useApp((s) => s.view.panels);
  useDropAndPaste();
  return (
    <div className="app">
      <Header />
      <StatusBar />
      <main className="panels">
        {panels.map((p) => {
          const Component = PANEL_COMPONENTS[p];
          return <Component key={p} />;
        })}
      </main>
      <footer className="footer">
        Mackowiak, Ardizzone, Köthe, Rother: Generative Classifiers as a Basis for Trustworthy Image Classification, CVPR 2021. MNIST gallery digits: Yann LeCun
        and Corinna Cortes, CC BY-SA 3.0; the other gallery images are generated.
      </footer>
    </div>
  );
}

/** What is dropped anywhere on the page or pasted: files, or a link to an image; the store says what it made of it. */
function useDropAndPaste(): void {
  const dropInput = useApp((s) => s.dropInput);
  useEffect(() => {
    const onDragOver = (e: DragEvent) => {
      const types = e.dataTransfer?.types ?? [];
      if (!DROPPED_TYPES.some((t) => types.includes(t))) return;
      // Without this the browser would open a dropped link itself.
      e.preventDefault();
      document.body.classList.add('dragging');
    };
    const onDragLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) document.body.classList.remove('dragging');
    };
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      document.body.classList.remove('dragging');
      if (e.dataTransfer) void dropInput(droppedData(e.dataTransfer, 'dropped'));
    };
    const onPaste = (e: ClipboardEvent) => {
      // Text pasted into a field is the field's; a link pasted elsewhere is an image link.
      if (!e.clipboardData || (e.clipboardData.files.length === 0 && isEditable(e.target))) return;
      e.preventDefault();
      void dropInput(droppedData(e.clipboardData, 'pasted'));
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
    window.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('paste', onPaste);
    };
  }, [dropInput]);
}

const DROPPED_TYPES = ['Files', 'text/uri-list', 'text/plain'];

const isEditable = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement);

function droppedData(data: DataTransfer, how: Dropped['how']): Dropped {
  const files = Array.from(data.files);
  if (files.length) return { files, text: null, how };
  const uris = data.getData('text/uri-list');
  return { files, text: uris || data.getData('text/plain') || null, how };
}
