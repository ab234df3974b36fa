// Strategy plugin: in-depth evolution that adds one more constraint or requirement to the prompt.
// The prompt follows the WizardLM (arXiv 2304.12244) in-depth template, in our own words (core's inDepthMessages).
// Tested with the other in-depth strategies in one table: packages/core/src/strategy-kit.test.ts.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'add-constraints',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, { direction: 'add exactly one more constraint or requirement that an answer must satisfy.' }),
    }),
    parse: parseRewrite,
  });

export default factory;
