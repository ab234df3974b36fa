// Paths to the small real-data fixtures committed in this package, for tests that must run on a
// fresh clone (nothing outside the repository). Sources and licences: this package's README.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DATA = fileURLToPath(new URL('../data/', import.meta.url));

/** The folder holding every fixture (seeds/, sql/, paraphrase/, jsontestsuite/). */
export const testdataDir: string = DATA;
/** 175 human-written self-instruct seed tasks, JSON lines `{ id, name, instruction, instances[{ input, output }] }` (Apache-2.0). */
export const seedTasksPath: string = join(DATA, 'seeds', 'self-instruct-seed-tasks.jsonl');
/** 80 vicuna-bench questions, JSON lines `{ question_id, category, turns: [question] }` (Apache-2.0). */
export const vicunaPath: string = join(DATA, 'seeds', 'vicuna-80.jsonl');
/** 1,034 Spider gold SQL queries (SQLite dialect), one a line: `query<TAB>database` (CC BY-SA 4.0 dataset). */
export const spiderGoldPath: string = join(DATA, 'sql', 'spider-gold.txt');
/** 1,500 STS-B dev pairs, tab-separated: genre, file, year, id, score 0-5, sentence 1, sentence 2. */
export const stsbDevPath: string = join(DATA, 'paraphrase', 'stsb-sts-dev.csv');
/** JSONTestSuite `test_parsing/`: 95 `y_` (must accept), 188 `n_` (must reject), 35 `i_` files, read them as bytes (MIT). */
export const jsonTestSuiteDir: string = join(DATA, 'jsontestsuite', 'test_parsing');

/** Non-empty lines of a fixture file. */
export function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** One self-instruct seed task as stored in `seedTasksPath`. */
export interface SeedTask {
  id: string;
  name: string;
  instruction: string;
  instances: { input: string; output: string }[];
  is_classification?: boolean;
}

/** The 175 self-instruct seed tasks, in file order. */
export function readSeedTasks(): SeedTask[] {
  return readLines(seedTasksPath).map((l) => JSON.parse(l) as SeedTask);
}

/** The 80 vicuna-bench questions (`turns[0]` of each line), in file order. */
export function readVicunaQuestions(): string[] {
  return readLines(vicunaPath).map((l) => (JSON.parse(l) as { turns: string[] }).turns[0] as string);
}

/** The 1,034 Spider gold queries (the text before the tab), in file order. */
export function readSpiderQueries(): string[] {
  return readLines(spiderGoldPath).map((l) => l.split('\t')[0] as string);
}

/** The JSONTestSuite `test_parsing/` file names, sorted. */
export function jsonTestSuiteFiles(): string[] {
  return readdirSync(jsonTestSuiteDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}
