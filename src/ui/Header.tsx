import { formatBytes } from './format';
import { useApp } from './storeContext';

export function Header() {
  return (
    <header className="header">
      <h1>
        GC Lens <span className="subtitle">exact posteriors and likelihoods of an invertible generative classifier</span>
      </h1>
      <div className="header-controls">
        <ModelPicker />
        <BackendBadge />
      </div>
    </header>
  );
}

function ModelPicker() {
  const models = useApp((s) => s.models);
  const selectedId = useApp((s) => s.loading?.entry.id ?? s.model?.entry.id ?? '');
  const selectModel = useApp((s) => s.selectModel);
  return (
    <label className="model-picker">
      Model
      <select
        data-testid="model-picker"
        value={selectedId}
        disabled={models.length === 0}
        onChange={(e) => void selectModel(e.target.value)}
      >
        {models.map((m) => (
          <option key={m.id} value={m.id} title={m.description}>
            {m.name} ({formatBytes(m.bytes)})
          </option>
        ))}
      </select>
    </label>
  );
}

function BackendBadge() {
  const backend = useApp((s) => s.backend);
  const skipped = backend?.skipped.map((s) => `${s.name} passed over: ${s.reason}`).join('\n');
  return (
    <span className="badge" data-testid="backend-badge" data-backend={backend?.name ?? ''} title={skipped || undefined}>
      {backend ? `backend: ${backend.name}` : 'choosing a backend…'}
    </span>
  );
}
