/**
 * The gallery of the papers' runs (npm run gallery -> public/gallery/, served as gallery/ next to index.html): its
 * index.json lists compact run bundles a visitor opens in one click, without training (openRunUrl). The index is
 * untrusted text like any bundle: each entry is checked (names as bounded text, the file a plain name in gallery/).
 */
import { create } from 'zustand';
import { openRunUrl } from './runs';

export interface GalleryItem {
  id: string;
  file: string;
  title: string;
  description: string;
  methods: string[];
  period: string;
  bytes: number;
}

export interface GalleryState {
  status: 'idle' | 'loading' | 'ready' | 'absent';
  items: GalleryItem[];
  /** why the index was not usable (a site built without npm run gallery shows no gallery, and no error) */
  error: string | null;
}

export const useGallery = create<GalleryState>()(() => ({ status: 'idle', items: [], error: null }));

const FILE_RE = /^[A-Za-z0-9_.-]+\.flrun\.zip$/;
const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

/** Check index.json (parsed): the entries this page can offer, or an error naming the entry and field. */
export function parseGalleryIndex(v: unknown): GalleryItem[] {
  if (!Array.isArray(v)) throw new Error('gallery/index.json: expected a list of runs');
  if (v.length > 100) throw new Error(`gallery/index.json: ${v.length} runs, more than 100`);
  return v.map((e, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new Error(`gallery/index.json: entry ${i} is not an object`);
    const o = e as Record<string, unknown>;
    const file = text(o.file, 200);
    if (!FILE_RE.test(file)) throw new Error(`gallery/index.json: entry ${i}: file must be a <name>.flrun.zip in gallery/`);
    const bytes = typeof o.bytes === 'number' && Number.isFinite(o.bytes) && o.bytes >= 0 ? o.bytes : 0;
    return {
      id: text(o.id, 100) || file,
      file,
      title: text(o.title, 200) || file,
      description: text(o.description, 1000),
      methods: Array.isArray(o.methods) ? o.methods.slice(0, 64).map((m) => text(m, 200)) : [],
      period: text(o.period, 100),
      bytes,
    };
  });
}

/** Load gallery/index.json relative to `base` (the page's address). A missing index: no gallery. */
export async function loadGallery(base: string): Promise<void> {
  if (useGallery.getState().status === 'loading') return;
  useGallery.setState({ status: 'loading', error: null });
  try {
    const r = await fetch(new URL('gallery/index.json', base).href);
    if (!r.ok) {
      useGallery.setState({ status: 'absent', items: [] });
      return;
    }
    useGallery.setState({ status: 'ready', items: parseGalleryIndex(await r.json()) });
  } catch (e) {
    useGallery.setState({ status: 'absent', items: [], error: (e as Error).message });
  }
}

/** Open a gallery run (its bundle, fetched from gallery/): results and explain views without training. */
export function openGalleryRun(item: GalleryItem, base: string): Promise<boolean> {
  return openRunUrl(new URL(`gallery/${item.file}`, base));
}
