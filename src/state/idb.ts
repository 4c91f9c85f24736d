/** The one IndexedDB helper lives in core/idb.ts (the worker's panel cache uses it too); re-exported for state/. */
export { idbObjectStore, type IdbTx } from '../core/idb';
