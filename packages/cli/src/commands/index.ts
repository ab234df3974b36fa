// Every `evolflow` subcommand, in the order `evolflow --help` lists them.
// To add one: a file in this folder exporting a `Command`, plus one import and one entry here.
import type { Command } from '../command.ts';
import { runCommand } from './run.ts';
import { stageCommand } from './stage.ts';
import { simulateCommand } from './simulate.ts';
import { reportCommand } from './report.ts';
import { validateCommand } from './validate.ts';
import { mixCommand } from './mix.ts';
import { difficultyCommand } from './difficulty.ts';
import { dedupCommand } from './dedup.ts';
import { similarityCommand } from './similarity.ts';
import { modelsCommand } from './models.ts';

export const COMMANDS: Command[] = [
  runCommand,
  stageCommand,
  simulateCommand,
  reportCommand,
  validateCommand,
  mixCommand,
  difficultyCommand,
  dedupCommand,
  similarityCommand,
  modelsCommand,
];
