import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { LabError } from '../core/errors';
import { checkTableBytes } from './file-check';

const bytes = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('checkTableBytes', () => {
  it('names the file, the byte count and what it looks like for a CSV renamed .parquet', () => {
    const csv = 'date,ticker,close\n2019-01-02,AAPL,39.48\n';
    let err: unknown;
    try {
      checkTableBytes('prices.parquet', bytes(csv));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toBe(
      `prices.parquet is not a parquet file: it holds text that looks like CSV ("date,ticker,close"), ${csv.length} bytes, without the 'PAR1' marker parquet files start and end with.`,
    );
    expect((err as LabError).hint).toContain('to_parquet');
    expect((err as LabError).hint).toContain('give it a .csv name');
  });
  it('rejects empty files, truncated parquet (magic only at the start) and binary data that is neither', () => {
    expect(() => checkTableBytes('a.parquet', new ArrayBuffer(0))).toThrow('a.parquet is empty (0 bytes)');
    expect(() => checkTableBytes('a.csv', new ArrayBuffer(0))).toThrow('a.csv is empty (0 bytes); expected a parquet or CSV file.');
    expect(() => checkTableBytes('b.parquet', bytes('PAR1\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008'))).toThrow(
      /b\.parquet is not a complete parquet file/,
    );
    expect(() => checkTableBytes('c.xlsx', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]).buffer)).toThrow(
      'c.xlsx is neither parquet nor CSV: it holds a zip archive (an Excel .xlsx workbook is one), 8 bytes.',
    );
    expect(() => checkTableBytes('d.bin', new Uint8Array([1, 2, 0, 4, 5]).buffer)).toThrow(
      'd.bin is neither parquet nor CSV: it holds binary data that is neither parquet nor CSV, 5 bytes.',
    );
  });
  it('accepts bytes framed by PAR1, CSV text and gzip-compressed CSV, and says which', () => {
    expect(checkTableBytes('ok.parquet', bytes('PAR1' + 'x'.repeat(8) + 'PAR1'))).toBe('parquet');
    expect(checkTableBytes('ok.csv', bytes('date,ticker,close\n'))).toBe('csv');
    expect(checkTableBytes('ok.txt', bytes('date;ticker;close\n'))).toBe('csv');
    const gz = gzipSync(new TextEncoder().encode('date,ticker,close\n'));
    expect(checkTableBytes('ok.csv.gz', gz.buffer.slice(gz.byteOffset, gz.byteOffset + gz.byteLength) as ArrayBuffer)).toBe('csv.gz');
  });
});
