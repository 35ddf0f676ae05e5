import { type ReactNode, useRef } from 'react';
import { ExportButtons } from './ExportButtons';
import { type ExportContext, exportPanel } from './exportPanel';
import { useApp } from './storeContext';

/** What a panel shows, for its heading and its exports: the class(es) it uses and how it computes. */
export type PanelContext = Omit<ExportContext, 'title' | 'model'> & {
  /** Overrides the loaded model's name (a panel that shows two models). */
  model?: string;
};

/** A titled panel, its heading naming the class(es) it uses, with PNG and SVG export of what it shows. */
export function Panel({
  id,
  title,
  exportName,
  busy,
  context,
  children,
}: {
  id: string;
  title: string;
  exportName: string;
  busy?: boolean;
  context: PanelContext;
  children: ReactNode;
}) {
  const ref = useRef<HTMLElement>(null);
  const modelName = useApp((s) => s.model?.entry.name ?? 'no model loaded');
  const caption: ExportContext = { ...context, title, model: context.model ?? modelName };
  return (
    <section className="panel" ref={ref} data-panel={id} aria-busy={busy || undefined}>
      <div className="panel-head">
        <h2>
          {title}
          <span className="panel-classes" data-testid={`${id}-classes`}>
            {' '}
            · {context.classes}
          </span>{' '}
          {busy && <span className="hint">updating…</span>}
        </h2>
        <ExportButtons
          what={`the “${title}” panel`}
          testIdPrefix={`export-${id}`}
          onExport={(format) => void exportPanel(ref.current!, exportName, format, caption)}
        />
      </div>
      {children}
    </section>
  );
}
