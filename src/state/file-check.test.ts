import { describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { checkParquetBytes } from './file-check';

const bytes = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('checkParquetBytes', () => {
  it('names the file, the byte count and what it looks like for a CSV renamed .parquet', () => {
    const csv = 'date,ticker,close\n2019-01-02,AAPL,39.48\n';
    let err: unknown;
    try { checkParquetBytes('prices.parquet', bytes(csv)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toBe(`prices.parquet is not a parquet file: it holds text that looks like CSV ("date,ticker,close"), ${csv.length} bytes, without the 'PAR1' marker parquet files start and end with.`);
    expect((err as LabError).hint).toContain('to_parquet');
  });
  it('rejects empty files and truncated parquet (magic only at the start)', () => {
    expect(() => checkParquetBytes('a.parquet', new ArrayBuffer(0))).toThrow('a.parquet is empty (0 bytes)');
    expect(() => checkParquetBytes('b.parquet', bytes('PAR1\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008'))).toThrow(/b\.parquet is not a parquet file/);
  });
  it('accepts bytes framed by PAR1', () => {
    expect(() => checkParquetBytes('ok.parquet', bytes('PAR1' + 'x'.repeat(8) + 'PAR1'))).not.toThrow();
  });
});
