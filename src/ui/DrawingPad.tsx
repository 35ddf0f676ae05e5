import { type PointerEvent, useRef } from 'react';

const SIDE = 196;

/** White strokes on black, like MNIST; each finished stroke is classified. */
export function DrawingPad({ onDrawn }: { onDrawn: (png: Blob) => void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const context = () => ref.current!.getContext('2d')!;

  const clear = () => {
    const c = context();
    c.fillStyle = '#000';
    c.fillRect(0, 0, SIDE, SIDE);
  };
  const point = (e: PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return [((e.clientX - r.left) * SIDE) / r.width, ((e.clientY - r.top) * SIDE) / r.height] as const;
  };

  return (
    <div className="drawing-pad">
      <canvas
        ref={(el) => {
          ref.current = el;
          if (el && !el.dataset.ready) {
            el.dataset.ready = '1';
            clear();
          }
        }}
        width={SIDE}
        height={SIDE}
        data-testid="drawing-pad"
        aria-label="drawing pad: draw a digit"
        onPointerDown={(e) => {
          drawing.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          const c = context();
          c.strokeStyle = '#fff';
          c.lineWidth = 16;
          c.lineCap = 'round';
          c.lineJoin = 'round';
          c.beginPath();
          c.moveTo(...point(e));
        }}
        onPointerMove={(e) => {
          if (!drawing.current) return;
          context().lineTo(...point(e));
          context().stroke();
        }}
        onPointerUp={() => {
          drawing.current = false;
          ref.current!.toBlob((blob) => blob && onDrawn(blob), 'image/png');
        }}
      />
      <div className="drawing-actions">
        <span className="hint">Draw a digit</span>
        <button type="button" className="button secondary" onClick={clear}>
          Clear
        </button>
      </div>
    </div>
  );
}
