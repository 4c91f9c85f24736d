/** Read-only guard for the SQL console: one SELECT-like statement, no writes, no extensions, no files. */
import { LabError } from '../core/errors';

const STARTERS = new Set(['select', 'with', 'from', 'describe', 'show', 'summarize', 'explain', 'values', 'table']);
const FORBIDDEN = [
  'insert',
  'update',
  'delete',
  'create',
  'drop',
  'alter',
  'attach',
  'detach',
  'copy',
  'install',
  'load',
  'pragma',
  'set',
  'reset',
  'call',
  'export',
  'import',
  'checkpoint',
  'vacuum',
  'truncate',
  'grant',
  'use',
];
/** statement keywords that are neither reads nor listed writes (refused as not read-only, not as typos) */
const OTHER_STATEMENTS = new Set([
  'merge',
  'replace',
  'upsert',
  'begin',
  'commit',
  'rollback',
  'abort',
  'prepare',
  'execute',
  'deallocate',
  'comment',
  'force',
  'start',
  'end',
  'transaction',
  'analyze',
]);
const FILE_FUNCS = /\b(read_csv|read_csv_auto|read_parquet|read_json|read_json_auto|read_text|read_blob|parquet_scan|glob)\s*\(/i;

/** Drop comments and the contents of string literals / quoted identifiers so keywords inside them don't count. */
export function stripSqlLiterals(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
}

/** Throws LabError unless `sql` is a single read-only statement; returns it trimmed (trailing ';' removed). */
export function checkReadOnlySql(sql: string): string {
  const trimmed = sql.trim().replace(/;\s*$/, '');
  const bare = stripSqlLiterals(trimmed).trim();
  if (!bare) throw new LabError('The SQL console is empty: type a SELECT statement.', 'Try: SELECT * FROM prices LIMIT 10');
  if (bare.includes(';'))
    throw new LabError(
      'The SQL console runs one statement at a time; found a ";" in the middle.',
      'Remove everything after the first statement.',
    );
  const first = bare.match(/^\(*\s*([a-z_]+)/i)?.[1]?.toLowerCase() ?? '';
  // a word that starts no SQL statement (a typo such as SELEC) is a syntax error, not a write being refused
  if (!STARTERS.has(first) && !FORBIDDEN.includes(first) && !OTHER_STATEMENTS.has(first)) {
    const near = [...STARTERS].find((w) => w.startsWith(first.slice(0, 3)) || first.startsWith(w.slice(0, 4)));
    throw new LabError(
      `Syntax error: '${first.toUpperCase() || bare.slice(0, 12)}' does not start an SQL statement${near ? `; did you mean ${near.toUpperCase()}?` : '.'}`,
      'Queries start with SELECT, WITH, FROM, DESCRIBE or SHOW.',
    );
  }
  if (!STARTERS.has(first))
    throw new LabError(
      `The SQL console is read-only: statements must start with SELECT, WITH, FROM, DESCRIBE or SHOW, not '${first.toUpperCase()}'.`,
      'Tables are loaded by the Data panel; here you can only read them.',
    );
  const words = new Set(bare.toLowerCase().match(/[a-z_]+/g) ?? []);
  const bad = FORBIDDEN.filter((w) => words.has(w));
  if (bad.length)
    throw new LabError(
      `The SQL console is read-only: '${bad[0].toUpperCase()}' is not allowed.`,
      'Only SELECT queries over the loaded tables run here.',
    );
  if (FILE_FUNCS.test(bare))
    throw new LabError(
      'The SQL console reads only the loaded tables, not files.',
      'Load a file through the Data panel, then query its table.',
    );
  return trimmed;
}
