import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from './sql-engine-node';
import type { SqlEngine } from './sql-engine';
import { queryToCsv } from './csv-export';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
});
afterAll(() => engine.close());

describe('queryToCsv (real DuckDB-WASM)', () => {
  it('exports a SQL result with full-precision doubles, quoting and the injection guard', () => {
    const csv = queryToCsv(
      engine,
      `SELECT * FROM (VALUES ('AAA', 0.1::DOUBLE + 0.2::DOUBLE, 7::INTEGER), ('=HYPERLINK("x")', -0.5::DOUBLE, NULL::INTEGER)) t(ticker, r, n)`,
    );
    // 0.1 + 0.2 = 0.30000000000000004 in binary64; the formula cell gets an apostrophe and, holding quotes, is quoted
    expect(csv).toBe('ticker,r,n\nAAA,0.30000000000000004,7\n"\'=HYPERLINK(""x"")",-0.5,\n');
  });
});
