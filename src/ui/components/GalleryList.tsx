/**
 * The gallery of the papers' runs in the Runs panel: one button per finished example run (public/gallery/, built by
 * npm run gallery) that opens it without training. Every name is rendered as text.
 */
import { useEffect } from 'react';
import { loadGallery, openGalleryRun, useGallery } from '../../state/gallery';
import { useRuns } from '../../state/runs';
import { useLab } from '../../state/store';
import { methodDisplayLabel } from '../../state/method-labels';

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

export function GalleryList() {
  const { status, items, error } = useGallery();
  const busy = useRuns((s) => s.status !== 'idle');
  // the index lists the bundles' own labels (the runner's default: the model id): shown as the opened run names them
  const models = useLab((s) => s.models);
  const nameOf = (id: string) => models.find((m) => m.id === id)?.label;
  useEffect(() => {
    if (useGallery.getState().status === 'idle') void loadGallery(window.location.href);
  }, []);
  if (status !== 'ready' || !items.length)
    return error ? (
      <p className="muted" data-testid="gallery-error">
        Gallery: {error}
      </p>
    ) : null;
  return (
    <section className="gallery" data-testid="gallery" aria-label="Gallery of the papers' runs">
      <h3 className="gallery-title">Gallery: the papers&apos; runs, finished</h3>
      <p className="muted">
        Each opens a finished run (a compact bundle: scores rounded to 10 mantissa bits, the evaluated horizon only) with every results and
        explain view, without training.
      </p>
      <ul className="gallery-list">
        {items.map((it) => (
          <li key={it.id}>
            <button
              type="button"
              className="btn small"
              data-testid={`gallery-open-${it.id}`}
              disabled={busy}
              title={it.description}
              onClick={() => void openGalleryRun(it, window.location.href)}
            >
              {it.title}
            </button>{' '}
            <span className="muted">
              {it.methods.map((m) => methodDisplayLabel(m, nameOf)).join(', ')} · test {it.period} · {mb(it.bytes)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
