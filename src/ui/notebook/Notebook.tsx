/** The notebook page: title, what the run was, the author's notes, the results and explain views (read-only). */
import { ResultsPanel } from '../panels/ResultsPanel';
import type { NotebookData } from './payload';
import { Markdown } from './Markdown';
import { placeNote } from './placement';
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';

/**
 * Notes with `@after <view>` (placement.ts) go right after that view's chart card: a slot element is inserted after
 * the card once it is on the page and the note is rendered into it (a portal); a view the page does not show leaves
 * the note above the views.
 */
function usePlacedSlots(views: (string | null)[]): Record<number, HTMLElement> {
  const [slots, setSlots] = useState<Record<number, HTMLElement>>({});
  const key = views.join('|');
  useEffect(() => {
    const made: HTMLElement[] = [];
    let tries = 0;
    let frame = 0;
    const place = () => {
      const found: Record<number, HTMLElement> = {};
      let missing = 0;
      views.forEach((v, i) => {
        if (!v) return;
        const card = document.querySelector(`[data-testid="card-${CSS.escape(v)}"]`);
        if (!card) return void missing++;
        const slot = document.createElement('div');
        slot.className = 'notebook-slot';
        card.after(slot);
        made.push(slot);
        found[i] = slot;
      });
      if (missing && ++tries < 30 && !Object.keys(found).length) frame = requestAnimationFrame(place);
      else setSlots(found);
    };
    frame = requestAnimationFrame(place);
    return () => {
      cancelAnimationFrame(frame);
      made.forEach((el) => el.remove());
    };
  }, [key]);
  return slots;
}

export function Notebook({ data, error }: { data: NotebookData | null; error: string | null }) {
  const placed = (data?.notes ?? []).map(placeNote);
  const slots = usePlacedSlots(placed.map((p) => p.after));
  if (!data)
    return (
      <div className="notebook">
        <p className="error-box" role="alert">
          Could not read this notebook: {error}
        </p>
      </div>
    );
  const m = data.manifest;
  return (
    <div className="notebook" data-testid="notebook">
      <header className="notebook-head">
        <h1>{data.title}</h1>
        <p className="muted">
          {m ? `${m.dataset.description}; ` : ''}
          {data.results.map((r) => r.label).join(', ')}; written {data.created}
          {m ? ` (lab ${m.lab}, ${m.producer === 'node' ? 'headless runner' : 'browser'}, ${m.backend})` : ''}. A read-only Factor Lab
          notebook: every chart is interactive, and the per-date series behind each number are inside this file.
        </p>
      </header>
      {placed.map((n, i) => (slots[i] ? null : <Markdown key={i} text={n.after ? n.text : data.notes[i]} testId={`note-${i}`} />))}
      {placed.map((n, i) => (slots[i] ? createPortal(<Markdown text={n.text} testId={`note-${i}`} />, slots[i], `note-${i}`) : null))}
      <main className="main notebook-main">
        <ResultsPanel />
      </main>
    </div>
  );
}
