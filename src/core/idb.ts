/** The one IndexedDB helper: a lazily opened database with one object store, and a transaction runner. */

const req = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

export type IdbTx = <T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>) => Promise<T>;

/**
 * Database `db` (version 1) on `idb` with the object store `store` keyed by `keyPath`, opened on first use (a failed or
 * blocked open is retried on the next call). Returns `tx(mode, f)`: runs `f` in a transaction on the store and resolves
 * with its request's result once the transaction has completed.
 */
export function idbObjectStore(idb: IDBFactory, db: string, store: string, keyPath: string): IdbTx {
  let opened: Promise<IDBDatabase> | null = null;
  const open = () =>
    (opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const r = idb.open(db, 1);
      r.onupgradeneeded = () => {
        if (!r.result.objectStoreNames.contains(store)) r.result.createObjectStore(store, { keyPath });
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => {
        opened = null;
        reject(r.error);
      };
      r.onblocked = () => {
        opened = null;
        reject(new Error(`IndexedDB ${db} is blocked by another tab`));
      };
    }));
  return async <T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const t = (await open()).transaction(store, mode);
    const done = new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
    const [out] = await Promise.all([req(f(t.objectStore(store))), done]);
    return out;
  };
}
