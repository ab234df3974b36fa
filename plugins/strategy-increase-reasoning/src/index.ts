// Strategy plugin: in-depth evolution that demands explicit multiple-step reasoning.
// The prompt follows the WizardLM (arXiv 2304.12244) in-depth template, in our own words (core's inDepthMessages).
// Tested with the other in-depth strategies in one table: packages/core/src/strategy-kit.test.ts.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'increase-reasoning',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, {
        direction: 'if it can be solved with a few simple thoughts, explicitly require multiple-step reasoning instead.',
      }),
    }),
    parse: parseRewrite,
  });

export default factory;
