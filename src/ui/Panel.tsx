import { type ReactNode, useRef } from 'react';
import { exportPanel } from './exportPanel';

/** A titled panel with PNG and SVG export of what it shows. */
export function Panel({ id, title, exportName, busy, children }: { id: string; title: string; exportName: string; busy?: boolean; children: ReactNode }) {
  const ref = useRef<HTMLElement>(null);
  return (
    <section className="panel" ref={ref} data-panel={id} aria-busy={busy || undefined}>
      <div className="panel-head">
        <h2>
          {title} {busy && <span className="hint">updating…</span>}
        </h2>
        <div className="panel-export">
          {(['png', 'svg'] as const).map((format) => {
            // The visible "PNG" alone does not say which panel it exports.
            const action = `Export the “${title}” panel as ${format.toUpperCase()}`;
            return (
              <button
                key={format}
                type="button"
                className="link-button"
                aria-label={action}
                title={action}
                onClick={() => void exportPanel(ref.current!, exportName, format)}
              >
                {format.toUpperCase()}
              </button>
            );
          })}
        </div>
      </div>
      {children}
    </section>
  );
}
