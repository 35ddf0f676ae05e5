import { useId, useMemo, useState } from 'react';
import { classForQuery, SEARCH_FROM, searchLabels } from '../state/classSearch';

/**
 * A class chooser: a plain select for few classes; for many (ImageNet) a search box over the names
 * with the special choices kept in a select beside it.
 */
export function ClassSelect<W extends string>({
  label,
  classes,
  value,
  words,
  onChange,
  testId,
}: {
  label: string;
  classes: string[];
  value: number | W;
  /** Special choices: word → label. */
  words: Record<W, string>;
  onChange: (value: number | W) => void;
  testId?: string;
}) {
  const listId = useId();
  const [query, setQuery] = useState('');
  // A thousand datalist options per chooser cost the main thread a long task at every model load: made on first use.
  const [searching, setSearching] = useState(false);
  const wordKeys = Object.keys(words) as W[];
  const labels = useMemo(() => searchLabels(classes), [classes]);
  if (classes.length < SEARCH_FROM)
    return (
      <label className="field">
        {label}
        <select data-testid={testId} value={String(value)} onChange={(e) => onChange(wordKeys.find((w) => w === e.target.value) ?? Number(e.target.value))}>
          {wordKeys.map((w) => (
            <option key={w} value={w}>
              {words[w]}
            </option>
          ))}
          {classes.map((name, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a model's class list is fixed; names may repeat, indices do not
            <option key={i} value={i}>
              {name}
            </option>
          ))}
        </select>
      </label>
    );
  return (
    <label className="field">
      {label}
      <select
        data-testid={testId}
        value={typeof value === 'number' ? 'class' : value}
        onChange={(e) => e.target.value !== 'class' && onChange(e.target.value as W)}
      >
        {wordKeys.map((w) => (
          <option key={w} value={w}>
            {words[w]}
          </option>
        ))}
        <option value="class">{typeof value === 'number' ? labels[value] : 'a class…'}</option>
      </select>
      <input
        list={listId}
        placeholder="search a class by name"
        value={query}
        onFocus={() => setSearching(true)}
        onChange={(e) => {
          setQuery(e.target.value);
          const index = classForQuery(labels, e.target.value);
          if (index >= 0) onChange(index);
        }}
      />
      {searching && (
        <datalist id={listId}>
          {labels.map((label, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a model's class list is fixed; names may repeat, indices do not
            <option key={i} value={label} />
          ))}
        </datalist>
      )}
    </label>
  );
}
