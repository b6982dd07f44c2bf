// Type declarations of the recsql Node package.

/** Anything with better-sqlite3's loadExtension(path). */
export interface ExtensionHost {
  loadExtension(path: string, entryPoint?: string): unknown;
}

/** Loads recsql into db (a better-sqlite3 Database) and returns db. */
export function load<T extends ExtensionHost>(db: T): T;

/** Absolute path of the recsql SQLite extension built at install. */
export function getLoadablePath(): string;

/** A float32 embedding BLOB as a Float32Array view on the same memory (a copy if unaligned). */
export function toFloat32Array(blob: Buffer | Uint8Array): Float32Array;
export function toFloat32Array(blob: null | undefined): null;

/** A Float32Array (or numbers) as a Buffer to bind as a float32 BLOB. */
export function fromFloat32Array(vec: Float32Array | ArrayLike<number>): Buffer;
