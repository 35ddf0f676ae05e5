import { useEffect, useId, useRef, useState } from 'react';
import { GLOSSARY, type Term } from './glossary';

/**
 * A "?" button that shows a quantity's glossary entry below it: opened and closed by click, Enter or
 * Space, closed by Escape or a click elsewhere. Nothing depends on hovering.
 */
export function Help({ term }: { term: Term }) {
  const entry = GLOSSARY[term];
  const [open, setOpen] = useState(false);
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
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        data-testid={`help-${term}`}
      >
        ?
      </button>
      <span id={noteId} className="help-note" role="note" hidden={!open}>
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
