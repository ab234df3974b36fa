// `validate.sqlDialect`: the config setting reaches the SQL validator of the validate stage.
import { describe, expect, it } from 'vitest';
import {
  configFromEnv,
  configProblems,
  DEFAULT_CONFIG,
  mergeDeep,
  SQL_DIALECT_SETTINGS,
  zeroUsage,
  type Config,
  type EvolRecord,
  type Logger,
  type StageEnv,
} from '@evolflow/core';
import { SQL_DIALECTS } from '@evolflow/validators';
import { createValidateStage } from './handler.ts';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const envWith = (validate: Partial<Config['validate']>): StageEnv => ({
  config: mergeDeep(DEFAULT_CONFIG, { validate }),
  logger,
  llm: undefined as never,
  cwd: process.cwd(),
  outDir: '/tmp',
});
/** A round-1 evolution asking about a T-SQL query (TOP n is SQL Server syntax) in a plain ```sql fence. */
const record: EvolRecord = {
  id: 's-1.r1',
  seedId: 's-1',
  parentId: 's-1',
  round: 1,
  strategy: 'complicate-input',
  format: 'sql',
  instruction:
    'Explain what this query returns and rewrite it without the row limit:\n```sql\nSELECT TOP 5 name FROM singer ORDER BY age\n```',
  lineage: [{ id: 's-1.r1', round: 1, strategy: 'complicate-input' }],
  checks: [],
  usage: zeroUsage(),
};

describe('validate.sqlDialect', () => {
  it('defaults to auto, and lists the same dialects as the SQL validator', () => {
    expect(DEFAULT_CONFIG.validate.sqlDialect).toBe('auto');
    expect(SQL_DIALECT_SETTINGS.filter((d) => d !== 'auto')).toEqual([...SQL_DIALECTS]);
  });

  it('auto detects T-SQL from TOP n; a named dialect parses in that dialect only', async () => {
    const topics = async (validate: Partial<Config['validate']>) =>
      (await (await createValidateStage(envWith(validate))).handle(record, undefined, 'evolved')).map((e) => e.topic);
    expect(await topics({})).toEqual(['validated']);
    expect(await topics({ sqlDialect: 'transactsql' })).toEqual(['validated']);
    const out = await (await createValidateStage(envWith({ sqlDialect: 'sqlite' }))).handle(record, undefined, 'evolved');
    const rejected = out.find((e) => e.topic === 'rejected')?.record.rejection;
    expect(rejected).toMatchObject({ stage: 'validate', reason: 'invalid-sql' });
    expect(rejected?.detail).toMatch(/sqlite \(named\)/);
  });

  it('is set from the environment like every other key', () => {
    expect(configFromEnv({ EVOLFLOW_VALIDATE__SQL_DIALECT: 'postgresql' })).toEqual({ validate: { sqlDialect: 'postgresql' } });
  });

  it('rejects an unknown dialect in the config with its path', () => {
    const problems = configProblems({ validate: { sqlDialect: 'oracle' } });
    expect(problems.map((p) => `${p.path} ${p.message}`).join('\n')).toMatch(/^validate\.sqlDialect must be one of "auto", "mysql"/);
  });
});
