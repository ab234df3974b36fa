// Tables, YAML, XML/HTML and LaTeX validators.
import { describe, expect, it } from 'vitest';
import { checkLatex } from './latex.ts';
import { checkHtml, checkXml, checkYaml } from './markup.ts';
import { checkCsv, checkMarkdownTable } from './table.ts';

describe('markdown tables', () => {
  it('accepts a table with one column count, alignment and escaped pipes', () => {
    expect(checkMarkdownTable('| a | b |\n|:--|--:|\n| 1 | x \\| y |\n| `a|b` | 2 |').ok).toBe(true);
    expect(checkMarkdownTable('a | b\n--- | ---\n1 | 2').ok).toBe(true);
  });
  it('rejects a row with another column count on its line', () => {
    expect(checkMarkdownTable('| a | b |\n|---|---|\n| 1 | 2 |\n| 3 |').error).toMatchObject({
      line: 4,
      message: 'this row has 1 cells but the header has 2 columns',
    });
  });
  it('rejects a missing or mismatched delimiter row', () => {
    expect(checkMarkdownTable('| a | b |\n| 1 | 2 |').error?.line).toBe(2);
    expect(checkMarkdownTable('| a | b |\n|---|\n| 1 | 2 |').error?.message).toMatch(/delimiter row has 1 columns/);
  });
});

describe('CSV', () => {
  it('accepts quoted fields with commas and newlines', () => {
    expect(checkCsv('name,city\n"Doe, Ann","New\nYork"\nBob,Paris\n').ok).toBe(true);
  });
  it('rejects inconsistent field counts and open quotes with the line', () => {
    expect(checkCsv('a,b\n1,2\n3,4,5\n').error?.line).toBe(3);
    expect(checkCsv('a,b\n"1,2\n').ok).toBe(false);
  });
});

describe('YAML, XML, HTML, LaTeX', () => {
  it('YAML', () => {
    expect(checkYaml('a: 1\nb:\n  - x\n  - y\n').ok).toBe(true);
    expect(checkYaml('a: 1\nb: [1, 2\nc: 3\n').ok).toBe(false);
    expect(checkYaml('a: 1\na: 2\n').error?.message).toMatch(/unique/i);
  });
  it('XML', () => {
    expect(checkXml('<?xml version="1.0"?>\n<a><b x="1">t</b></a>').ok).toBe(true);
    expect(checkXml('<a>\n  <b>t</a>').error).toMatchObject({ line: 2 });
  });
  it('HTML', () => {
    expect(checkHtml('<ul>\n  <li>one\n  <li>two\n</ul>\n<p>hi<br>there</p><img src="x">').ok).toBe(true);
    expect(checkHtml('<div>\n  <span>hi</div>').error).toMatchObject({
      line: 2,
      message: 'invalid HTML: <span> is not closed before </div>',
    });
    expect(checkHtml('<div>\n<p>x</p>').error?.message).toMatch(/<div> is never closed/);
    expect(checkHtml('<a href="x>y').ok).toBe(false);
    // A placeholder in angle brackets is not an element (self-instruct seed: "Fill in the <mask>").
    expect(checkHtml('<!DOCTYPE html>\n<html>\n<title> <mask> </title>\n<body>text</body>\n</html>').ok).toBe(true);
  });
  it('LaTeX', () => {
    expect(checkLatex('\\frac{a}{b} + \\sqrt{x^2}').ok).toBe(true);
    expect(checkLatex('\\frac{a}{b').ok).toBe(false);
    expect(checkLatex('\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}').ok).toBe(true);
    expect(checkLatex('Text $x^2$ and\n$$\\frac{1}{$$').error?.line).toBe(2);
    expect(checkLatex('\\begin{itemize}\n\\item a\n\\end{enumerate}').error?.message).toMatch(/ended by/);
  });
});
