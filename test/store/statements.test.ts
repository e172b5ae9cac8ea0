/**
 * The prepared-statement cache of the SQLite connections: the same SQL text gets the same
 * statement, the least recently used one goes when the cache is full, and a cached
 * statement still works after the schema changed.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/store/open.js';

describe('withStatementCache', () => {
  it('prepares a text once, keeps the most recently used ones, and survives a schema change', () => {
    const raw = new BetterSqlite3(':memory:');
    let prepared = 0;
    const counting = new Proxy(raw, {
      get(target, prop) {
        if (prop === 'prepare')
          return (text: string) => {
            prepared++;
            return target.prepare(text);
          };
        const v: unknown = Reflect.get(target, prop);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const db = withStatementCache(counting, 2);
    db.prepare('create table t (a integer)').run([]);
    const insert = db.prepare('insert into t (a) values (?)');
    insert.run([1]);
    expect(db.prepare('insert into t (a) values (?)')).toBe(insert);
    const count = db.prepare('select count(*) as n from t');
    expect(count.all([])).toEqual([{ n: 1 }]);
    expect(prepared).toBe(3);
    // 'create table' was the least recently used when the count came: it went, the insert stayed.
    db.prepare('insert into t (a) values (?)').run([2]);
    expect(prepared).toBe(3);
    db.prepare('select 1 as one');
    expect(prepared).toBe(4);
    // The cache holds two: the count went when 'select 1' came.
    db.prepare('select count(*) as n from t');
    expect(prepared).toBe(5);
    raw.exec('alter table t add column b text');
    expect(db.prepare('insert into t (a) values (?)').run([3]).changes).toBe(1);
    expect(db.prepare('select count(*) as n from t').all([])).toEqual([{ n: 3 }]);
    db.close();
    expect(raw.open).toBe(false);
  });
});
