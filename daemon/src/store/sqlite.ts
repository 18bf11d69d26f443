import type Database from 'better-sqlite3';

/** The open SQLite handle that `openStore` makes and each repository runs its statements on. */
export type Db = Database.Database;
