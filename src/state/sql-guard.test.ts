import { describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { checkReadOnlySql, stripSqlLiterals } from './sql-guard';

describe('checkReadOnlySql', () => {
  it('accepts single read-only statements and trims the trailing semicolon', () => {
    expect(checkReadOnlySql('  SELECT * FROM prices LIMIT 5;  ')).toBe('SELECT * FROM prices LIMIT 5');
    expect(checkReadOnlySql('with a as (select 1) select * from a')).toBe('with a as (select 1) select * from a');
    expect(checkReadOnlySql('DESCRIBE prices')).toBe('DESCRIBE prices');
    // keywords inside strings and comments do not count
    expect(checkReadOnlySql("SELECT 'drop table x; insert' AS s -- delete\n")).toBe("SELECT 'drop table x; insert' AS s -- delete");
    expect(checkReadOnlySql("SELECT replace(ticker, 'A', 'B') FROM prices")).toContain('replace');
  });
  it('rejects writes, several statements, file reads and empty input with a LabError', () => {
    for (const sql of [
      'DROP TABLE prices',
      'select 1; drop table prices',
      'INSERT INTO prices VALUES (1)',
      "SELECT * FROM read_csv('x.csv')",
      'WITH x AS (SELECT 1) DELETE FROM prices',
      '',
      "COPY prices TO 'a.csv'",
      "ATTACH 'x.db'",
    ]) {
      expect(() => checkReadOnlySql(sql)).toThrow(LabError);
    }
    expect(() => checkReadOnlySql('DROP TABLE prices')).toThrow(/read-only.*not 'DROP'/);
  });
  it('stripSqlLiterals blanks strings, quoted identifiers and comments', () => {
    expect(stripSqlLiterals(`SELECT 'it''s' , "we;ird" /* c; */ -- d;\nFROM t`)).toBe(`SELECT '' , ""    \nFROM t`);
  });
});
