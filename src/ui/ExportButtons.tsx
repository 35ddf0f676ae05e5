/** PNG and SVG export buttons; the visible "PNG" alone does not say what they export, so `what` names it. */
export function ExportButtons({ what, testIdPrefix, onExport }: { what: string; testIdPrefix: string; onExport: (format: 'png' | 'svg') => void }) {
  return (
    <div className="panel-export">
      {(['png', 'svg'] as const).map((format) => {
        const action = `Export ${what} as ${format.toUpperCase()}`;
        return (
          <button
            key={format}
            type="button"
            className="link-button"
            aria-label={action}
            title={action}
            data-testid={`${testIdPrefix}-${format}`}
            onClick={() => onExport(format)}
          >
            {format.toUpperCase()}
          </button>
        );
      })}
    </div>
  );
}
