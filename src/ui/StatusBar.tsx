import { formatBytes } from './format';
import { useApp } from './storeContext';

/** Model download progress and inline errors; neither replaces what is shown below. */
export function StatusBar() {
  const loading = useApp((s) => s.loading);
  const error = useApp((s) => s.error);
  const dismissError = useApp((s) => s.dismissError);
  return (
    <div className="status">
      {loading && (
        <div className="load-progress" data-testid="load-progress">
          <span>
            Loading {loading.entry.name}: {formatBytes(loading.loadedBytes)} of {formatBytes(loading.totalBytes)}
          </span>
          <progress value={loading.loadedBytes} max={loading.totalBytes || 1} />
        </div>
      )}
      {error && (
        <div className="error" role="alert" data-testid="error">
          <span>{error}</span>
          <button type="button" onClick={dismissError} aria-label="Dismiss the error">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
