import { exportNumbers } from '../state/exportNumbers';
import { CHECKPOINT_SOURCE } from '../state/linkActions';
import { PANELS, type PanelId } from '../state/permalink';
import { RELEASED_CAVEAT } from '../storage/releasedCards';
import { download } from './exportPanel';
import { formatBytes } from './format';
import { Help } from './Help';
import { ModelCard } from './ModelCard';
import { useApp, useAppStore } from './storeContext';

const PANEL_NAMES: Record<PanelId, string> = {
  input: 'Input',
  posterior: 'Posterior',
  map: 'Maps',
  latent: 'Latent editor',
  samples: 'Samples',
  interpolation: 'Interpolation',
  calibration: 'Calibration',
  trust: 'Trust report',
  attack: 'Adversarial probe',
};

export function Header({ onTour }: { onTour: () => void }) {
  return (
    <header className="header">
      <div className="title-row">
        <div>
          <h1>GC Lens</h1>
          <p className="subtitle" data-testid="what-it-is">
            A generative classifier learns what the images of each class look like and classifies by asking which class makes the image most likely. This one is
            invertible, so everything it says is exact: posteriors you can trust, a warning when an input is unlike anything it was trained on, and explanations
            and counterfactual images that are computed, not approximated. <Help term="generativeClassifier" />
          </p>
        </div>
        <div className="header-controls">
          <button type="button" className="link-button" onClick={onTour} data-testid="tour-open">
            Tour
          </button>
          <BackendBadge />
          <CopyLink />
          <ExportJson />
        </div>
      </div>
      <div className="model-row">
        <ModelPicker />
        <CheckpointInput />
        <PanelToggles />
      </div>
      <ModelCard />
    </header>
  );
}

function ModelPicker() {
  const models = useApp((s) => s.models);
  const selectedId = useApp((s) => s.loading?.entry.id ?? s.model?.entry.id ?? '');
  const selectModel = useApp((s) => s.selectModel);
  const deleteStoredModel = useApp((s) => s.deleteStoredModel);
  const selected = models.find((m) => m.id === selectedId);
  const group = (origin: 'bundled' | 'stored') =>
    models
      .filter((m) => m.origin === origin)
      .map((m) => (
        <option key={m.id} value={m.id} title={m.description}>
          {m.name} ({formatBytes(m.bytes)})
        </option>
      ));
  return (
    <div className="model-picker">
      <label>
        Model
        <select data-testid="model-picker" value={selectedId} disabled={models.length === 0} onChange={(e) => void selectModel(e.target.value)}>
          {!selectedId && models.length > 0 && (
            <option value="" disabled>
              no model loaded
            </option>
          )}
          <optgroup label="Bundled with GC Lens">{group('bundled')}</optgroup>
          {models.some((m) => m.origin === 'stored') && <optgroup label="Converted in this browser">{group('stored')}</optgroup>}
        </select>
      </label>
      {selected?.origin === 'stored' && (
        <button
          type="button"
          className="link-button danger"
          data-testid="delete-model"
          onClick={() => confirm(`Delete “${selected.name}” from this browser's storage?`) && void deleteStoredModel(selected.id)}
        >
          delete from this browser
        </button>
      )}
    </div>
  );
}

function CheckpointInput() {
  const convert = useApp((s) => s.convertCheckpoint);
  return (
    <span className="checkpoint-input">
      <CheckpointLabel convert={convert} />
      <details className="checkpoint-help" data-testid="checkpoint-help">
        <summary>Where to get the authors' ImageNet checkpoints</summary>
        <p>
          The authors publish them at{' '}
          <a href={`https://${CHECKPOINT_SOURCE}`} target="_blank" rel="noreferrer">
            {CHECKPOINT_SOURCE}
          </a>
          , one per β: <code>beta_1.avg.pt</code>, <code>beta_2.avg.pt</code>, <code>beta_4.avg.pt</code>, <code>beta_8.avg.pt</code>,{' '}
          <code>beta_16.avg.pt</code>, <code>beta_32.avg.pt</code> and <code>beta_inf.avg.pt</code>, about 540 MB each. Adding one converts it here in a
          background worker (about a minute or two on a laptop; the page stays usable) and keeps about 270 MB (float16) in this browser's private storage, with
          up to 540 MB needed free while converting. The file is read only by this page: nothing is uploaded, nothing leaves the browser. A converted model is
          listed by its β (other file names convert too and are listed by file name) and can be deleted from the model picker.
        </p>
        <p className="hint">{RELEASED_CAVEAT}</p>
      </details>
    </span>
  );
}

function CheckpointLabel({ convert }: { convert: (file: File) => Promise<void> }) {
  return (
    <label className="button secondary" title="A released .pt checkpoint is converted in a worker and kept in this browser">
      Add a .pt checkpoint
      <input
        type="file"
        accept=".pt,.pth"
        data-testid="checkpoint-input"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) void convert(file);
          e.currentTarget.value = '';
        }}
      />
    </label>
  );
}

function PanelToggles() {
  const panels = useApp((s) => s.view.panels);
  const setPanels = useApp((s) => s.setPanels);
  return (
    <details className="panel-toggles">
      <summary>Panels</summary>
      {PANELS.map((p) => (
        <label key={p}>
          <input
            type="checkbox"
            checked={panels.includes(p)}
            onChange={(e) => setPanels(e.target.checked ? PANELS.filter((q) => q === p || panels.includes(q)) : panels.filter((q) => q !== p))}
          />
          {PANEL_NAMES[p]}
        </label>
      ))}
    </details>
  );
}

function BackendBadge() {
  const backend = useApp((s) => s.backend);
  const failure = useApp((s) => s.backendFailure);
  if (failure)
    return (
      <span className="badge warn" data-testid="backend-badge" data-backend="" data-failed="true" title={failure}>
        no compute backend
      </span>
    );
  const lines = backend?.skipped.map((s) => `${s.name} passed over: ${s.reason}`) ?? [];
  if (backend?.emulatedBy) lines.unshift(`${backend.name} is emulated on the CPU by ${backend.emulatedBy}: expect it to be slow`);
  const threads = backend?.threads ? ` (${backend.threads} thread${backend.threads === 1 ? '' : 's'})` : '';
  const label = backend ? `backend: ${backend.name}${threads}${backend.emulatedBy ? ' (CPU-emulated)' : ''}` : 'choosing a backend…';
  return (
    <span
      className="badge"
      data-testid="backend-badge"
      data-backend={backend?.name ?? ''}
      data-emulated={backend?.emulatedBy ? 'true' : undefined}
      data-threads={backend?.threads}
      title={lines.join('\n') || undefined}
    >
      {label}
      {lines.length > 0 && (
        <span className="badge-note"> · {backend?.skipped.length ? `skipped ${backend.skipped.map((s) => s.name).join(', ')}` : 'emulated'}</span>
      )}
    </span>
  );
}

function CopyLink() {
  const copy = useApp((s) => s.copyPermalink);
  const status = useApp((s) => s.linkStatus);
  return (
    <span className="copy-link">
      <button type="button" className="button" data-testid="copy-permalink" onClick={() => void copy()}>
        Copy link
      </button>
      {status && (
        <span className={status.ok ? 'hint' : 'warn-text'} data-testid="permalink-status" data-href={status.href ?? ''} role="status">
          {status.message}
        </span>
      )}
    </span>
  );
}

function ExportJson() {
  const store = useAppStore();
  return (
    <button
      type="button"
      className="button secondary"
      onClick={() => download(new Blob([JSON.stringify(exportNumbers(store.getState()), null, 1)], { type: 'application/json' }), 'gc-lens-numbers.json')}
    >
      Numbers (JSON)
    </button>
  );
}
