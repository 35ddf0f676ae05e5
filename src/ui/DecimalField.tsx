import { useEffect, useState } from 'react';

/** A number input that commits on blur or Enter when valid. */
export function DecimalField({
  label,
  value,
  min,
  max = Number.POSITIVE_INFINITY,
  integer = false,
  onCommit,
  testId,
}: {
  label: string;
  value: number;
  min: number;
  max?: number;
  integer?: boolean;
  onCommit: (v: number) => void;
  testId?: string;
}) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const parsed = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(parsed) && parsed >= min && parsed <= max && (!integer || Number.isInteger(parsed));
  return (
    <label className="field">
      {label}
      <input
        type="number"
        min={min}
        max={Number.isFinite(max) ? max : undefined}
        step={integer ? 1 : 'any'}
        value={text}
        aria-invalid={!valid || undefined}
        data-testid={testId}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => (valid ? parsed !== value && onCommit(parsed) : setText(String(value)))}
        onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
      />
      {!valid && (
        <span className="inline-error" role="alert">
          {integer ? 'a whole number' : 'a number'} {Number.isFinite(max) ? `from ${min} to ${max}` : `of at least ${min}`}; kept {value}
        </span>
      )}
    </label>
  );
}
