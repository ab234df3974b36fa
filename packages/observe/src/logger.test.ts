import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, parseLogLevel } from './logger.ts';

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('createLogger', () => {
  it('writes one JSON line per event with the record id, and respects the level', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    const logger = createLogger({ level: 'info', destination: stream });
    logger.debug('hidden');
    logger.info('record kept', { recordId: 's-1.r2', stage: 'dedup' });
    logger.child({ stage: 'evolve' }).warn('strategy failing');
    const out = lines(text);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ level: 'info', msg: 'record kept', recordId: 's-1.r2', stage: 'dedup' });
    expect(typeof out[0]?.time).toBe('string');
    expect(out[1]).toMatchObject({ level: 'warn', msg: 'strategy failing', stage: 'evolve' });
  });

  it('appends to a file path, creating folders', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'evolflow-log-')), 'logs', 'run.log');
    const logger = createLogger({ level: 'debug', destination: file });
    logger.debug('a', { recordId: 'x' });
    logger.error('b');
    logger.flush();
    expect(lines(readFileSync(file, 'utf8')).map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'a'],
      ['error', 'b'],
    ]);
  });

  it('silent writes nothing; a bad level names the flag', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    createLogger({ level: 'silent', destination: stream }).error('x');
    expect(text).toBe('');
    expect(() => parseLogLevel('loud')).toThrow(/--log-level: "loud" is not a log level/);
  });
});
