import { useEffect, useState } from 'react';
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
import { Tour, tourWanted } from './Tour';
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

const isCheckpoint = (file: File) => /\.(pt|pth)$/i.test(file.name);

export function App() {
  const panels = useApp((s) => s.view.panels);
  const [touring, setTouring] = useState(tourWanted);
  useDropAndPaste();
  return (
    <div className="app">
      <Header onTour={() => setTouring(true)} />
      {touring && <Tour onClose={() => setTouring(false)} />}
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

/** Files dropped anywhere on the page or pasted: checkpoints are converted, anything else is classified. */
function useDropAndPaste(): void {
  const chooseInput = useApp((s) => s.chooseInput);
  const convert = useApp((s) => s.convertCheckpoint);
  useEffect(() => {
    const take = (file: File | undefined) => {
      if (!file) return;
      if (isCheckpoint(file)) void convert(file);
      else void chooseInput(file, file.name || 'pasted image');
    };
    const onDragOver = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      document.body.classList.add('dragging');
    };
    const onDragLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) document.body.classList.remove('dragging');
    };
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      document.body.classList.remove('dragging');
      take(e.dataTransfer?.files[0]);
    };
    const onPaste = (e: ClipboardEvent) => {
      const file = e.clipboardData?.files[0];
      if (!file) return;
      e.preventDefault();
      take(file);
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
  }, [chooseInput, convert]);
}
