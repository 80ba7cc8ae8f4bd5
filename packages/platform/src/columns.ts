import type { ValueTransformer } from 'typeorm';

// The column shapes every service uses, once, in the two forms TypeORM wants: for EntitySchema
// (`entityColumn`) and for the migration Table API (`tableColumn`). Both produce types that mean
// the same on MySQL 8, MariaDB 10.11 and SQLite.

/** MySQL returns DECIMAL as a string, SQLite as a number: the code always sees numbers. */
export const decimalAsNumber: ValueTransformer = {
  to: (v: number | null) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
};

export const entityColumn = {
  /** Millisecond precision, always UTC (the connection's timezone is Z). */
  datetime: (name: string, nullable = false) => ({ name, type: 'datetime' as const, precision: 3, nullable }),
  varchar: (name: string, length: number, nullable = true) => ({
    name,
    type: 'varchar' as const,
    length,
    nullable,
  }),
  money: (name: string) => ({
    name,
    type: 'decimal' as const,
    precision: 14,
    scale: 2,
    transformer: decimalAsNumber,
  }),
};

export const tableColumn = {
  datetime: (name: string, isNullable = false) => ({ name, type: 'datetime', precision: 3, isNullable }),
  varchar: (name: string, length: number, isNullable = true) => ({
    name,
    type: 'varchar',
    length: String(length),
    isNullable,
  }),
  text: (name: string, isNullable = true) => ({ name, type: 'text', isNullable }),
  money: (name: string) => ({ name, type: 'decimal', precision: 14, scale: 2 }),
};
