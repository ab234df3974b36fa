// Strategy plugin: in-breadth evolution (mutation). A "prompt creator" writes a brand-new prompt in
// the same domain, of similar length and difficulty, but rarer (WizardLM's in-breadth template).
import { defineStrategy, parseRewrite, taskText, type StrategyFactory } from '@evolflow/core/plugin';

const RULES = [
  'You are a prompt creator. Taking the prompt below as inspiration, write a brand-new prompt.',
  'The new prompt must belong to the same domain but be rarer and less common than the one below.',
  'Keep its length and difficulty close to the one below, and make sure people can understand and answer it.',
  'Never use the words "#Given Prompt#", "#Created Prompt#", "given prompt" or "created prompt" in your result.',
].join('\n');

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'mutation',
    kind: 'breadth',
    prompt: (parent) => ({
      messages: [{ role: 'user', content: `${RULES}\n\n#Given Prompt#:\n${taskText(parent)}\n\n#Created Prompt#:\n` }],
    }),
    parse: parseRewrite,
  });

export default factory;
