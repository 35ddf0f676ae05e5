import { missingCheckpointMessage } from '../state/linkActions';
import { formatBytes } from './format';
import { useApp } from './storeContext';

/** Progress, inline errors and link notices; none of them replaces what is shown below. */
export function StatusBar() {
  const loading = useApp((s) => s.loading);
  const conversion = useApp((s) => s.conversion);
  const cancelConversion = useApp((s) => s.cancelConversion);
  const error = useApp((s) => s.error);
  const dismissError = useApp((s) => s.dismissError);
  const notices = useApp((s) => s.linkNotices);
  const dismissNotices = useApp((s) => s.dismissLinkNotices);
  const missing = useApp((s) => s.missingCheckpoint);
  const inputNotice = useApp((s) => s.inputNotice);
  const dismissInputNotice = useApp((s) => s.dismissInputNotice);
  const progress = conversion?.progress;
  return (
    <div className="status">
      {loading && (
        <div className="load-progress" data-testid="load-progress">
          <span>
            Loading {loading.entry.name}: {formatBytes(loading.loadedBytes)} of {formatBytes(loading.totalBytes)}
            {loading.loadedBytes >= loading.totalBytes && loading.totalBytes > 0 ? ' — compiling and warming up' : ''}
          </span>
          <progress value={loading.loadedBytes} max={loading.totalBytes || 1} />
        </div>
      )}
      {conversion && (
        <div className="load-progress" data-testid="conversion-progress">
          <span>
            Converting {conversion.fileName}:{' '}
            {progress ? `${progress.stage}, ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.bytesTotal)}` : 'starting'}
            {progress?.nodesTotal ? `, ${progress.nodesDone ?? 0} of ${progress.nodesTotal} layers` : ''}
          </span>
          <span className="progress-row">
            <progress value={progress?.bytesRead ?? 0} max={progress?.bytesTotal || 1} />
            <button type="button" className="button secondary" onClick={cancelConversion} data-testid="cancel-conversion">
              Cancel
            </button>
          </span>
        </div>
      )}
      {missing && (
        <div className="notice" role="status" data-testid="missing-checkpoint" data-file={missing.file}>
          <span>{missingCheckpointMessage(missing)}</span>
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
      {inputNotice && (
        <div className={inputNotice.ok ? 'notice' : 'error'} role={inputNotice.ok ? 'status' : 'alert'} data-testid="input-notice" data-ok={inputNotice.ok}>
          <span>{inputNotice.message}</span>
          <button type="button" onClick={dismissInputNotice} aria-label="Dismiss the note on the dropped input">
            ×
          </button>
        </div>
      )}
      {notices.length > 0 && (
        <div className="notice" role="status" data-testid="link-notice">
          <div>
            <strong>The link was adjusted:</strong>
            <ul>
              {notices.map((n, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: notices are replaced as a whole, never reordered
                <li key={i}>{n}</li>
              ))}
            </ul>
          </div>
          <button type="button" onClick={dismissNotices} aria-label="Dismiss the notices">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
