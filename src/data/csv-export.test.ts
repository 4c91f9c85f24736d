import { describe, expect, it } from 'vitest';
import { csvCellText, exportFileName, quoteCsvField, toCsv } from './csv-export';

describe('csv-export', () => {
  it('writes numbers at full precision (round-trips exactly)', () => {
    // 0.1 + 0.2 = 0.30000000000000004 in binary64; toFixed-style rounding would lose it.
    const xs = [0.1 + 0.2, 1 / 3, -1e-300, 123456789.123456789, 2 ** 53 + 2];
    const csv = toCsv(
      ['x'],
      xs.map((x) => [x]),
    );
    const back = csv.trim().split('\n').slice(1).map(Number);
    expect(back).toEqual(xs);
    expect(csv.split('\n')[1]).toBe('0.30000000000000004');
  });

  it('quotes delimiters, quotes and line breaks (RFC 4180)', () => {
    expect(quoteCsvField('a,b')).toBe('"a,b"');
    expect(quoteCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(quoteCsvField('two\nlines')).toBe('"two\nlines"');
    expect(quoteCsvField('plain')).toBe('plain');
    expect(toCsv(['t', 'v'], [['A,B', 1]])).toBe('t,v\n"A,B",1\n');
  });

  it('guards text starting with = + - @ but not numbers', () => {
    expect(csvCellText('=SUM(A1:A9)')).toBe("'=SUM(A1:A9)");
    expect(csvCellText('+cmd')).toBe("'+cmd");
    expect(csvCellText('-x')).toBe("'-x");
    expect(csvCellText('@A1')).toBe("'@A1");
    expect(csvCellText('-0.25')).toBe('-0.25');
    expect(csvCellText('+1e-5')).toBe('+1e-5');
    expect(csvCellText(-0.25)).toBe('-0.25');
    // the guard runs before quoting: a guarded cell with a comma is still quoted
    expect(toCsv(['c'], [['=1,2']])).toBe('c\n"\'=1,2"\n');
  });

  it('writes null as empty, bigint and dates exactly, and checks row width', () => {
    expect(toCsv(['a', 'b', 'c'], [[null, 12345678901234567890n, new Date(Date.UTC(2020, 0, 2))]])).toBe(
      'a,b,c\n,12345678901234567890,2020-01-02T00:00:00.000Z\n',
    );
    expect(() => toCsv(['a', 'b'], [[1]])).toThrow(/1 cells, expected 2/);
  });

  it('sanitises file names from the dataset name', () => {
    expect(exportFileName('US stocks 2020.parquet', 'csv')).toBe('US_stocks_2020-sql.csv');
    expect(exportFileName('../../etc/passwd', 'parquet')).toBe('etc_passwd-sql.parquet');
    expect(exportFileName('', 'csv')).toBe('dataset-sql.csv');
  });
});
