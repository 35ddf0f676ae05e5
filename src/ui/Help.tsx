import { useEffect, useId, useRef, useState } from 'react';
import { GLOSSARY, type Term } from './glossary';

/** The note's widest, in CSS pixels; at most 80 % of the window (styles.css, .help-note). */
const NOTE_WIDTH = 320;

/**
 * A "?" button that shows a quantity's glossary entry below it: opened and closed by click, Enter or
 * Space, closed by Escape or a click elsewhere. Nothing depends on hovering.
 */
export function Help({ term }: { term: Term }) {
  const entry = GLOSSARY[term];
  const [open, setOpen] = useState(false);
  // The note's left edge relative to the button, moved left as far as needed to stay inside the window.
  const [left, setLeft] = useState(-8);
  const noteId = useId();
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => ref.current?.contains(e.target as Node) || setOpen(false);
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);
  return (
    <span className="help" ref={ref} data-term={term}>
      <button
        type="button"
        className="help-button"
        aria-expanded={open}
        aria-controls={noteId}
        aria-label={`What is ${entry.name}?`}
        onClick={(e) => {
          const viewport = document.documentElement.clientWidth;
          const from = e.currentTarget.getBoundingClientRect().left;
          const width = Math.min(NOTE_WIDTH, 0.8 * viewport);
          setLeft(Math.max(8 - from, Math.min(-8, viewport - 8 - from - width)));
          setOpen(!open);
        }}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        data-testid={`help-${term}`}
      >
        ?
      </button>
      <span id={noteId} className="help-note" role="note" hidden={!open} style={{ left }}>
        <strong>{entry.name}</strong>
        {entry.unit && <span className="help-unit"> ({entry.unit})</span>}: {entry.help} <span className="help-more">{entry.note}</span>
      </span>
    </span>
  );
}

/** A quantity's name as the glossary writes it, with its help. */
export function TermName({ term }: { term: Term }) {
  return (
    <>
      {GLOSSARY[term].name} <Help term={term} />
    </>
  );
}
