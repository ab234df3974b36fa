// A strict RFC 8259 scanner used only to place an error that JSON.parse reported without a position.
// It accepts exactly what JSON.parse accepts (the JSONTestSuite test checks the two agree).

export interface JsonScanError {
  offset: number;
  message: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The first syntax error in `text`, or undefined when it is one valid JSON value. */
export function scanJson(text: string): JsonScanError | undefined {
  let i = 0;
  const n = text.length;
  const err = (message: string, at = i): JsonScanError => ({ offset: at, message });
  const ws = (): void => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const describe = (): string => (i >= n ? 'end of input' : `character ${JSON.stringify(text[i])}`);

  const string = (): JsonScanError | undefined => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return err(`control character U+${c.toString(16).padStart(4, '0')} must be escaped in a string`);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return err('bad \\u escape: four hex digits expected');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return err(`bad escape ${JSON.stringify('\\' + (e ?? ''))} in string`);
        }
        continue;
      }
      i++;
    }
    return err('unterminated string', n);
  };

  const number = (): JsonScanError | undefined => {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-' || m[0] === '') return err(`bad number starting with ${describe()}`);
    i += m[0].length;
    const next = text[i];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) return err(`bad number: unexpected ${JSON.stringify(next)}`);
    return undefined;
  };

  const value = (depth: number): JsonScanError | undefined => {
    ws();
    if (i >= n) return err('value expected but end of input found');
    if (depth > 2000) return err('nesting deeper than 2000 levels');
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return undefined;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') return err(`double-quoted property name expected, found ${describe()}`);
        const e1 = string();
        if (e1) return e1;
        ws();
        if (text[i] !== ':') return err(`':' expected after property name, found ${describe()}`);
        i++;
        const e2 = value(depth + 1);
        if (e2) return e2;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return undefined;
        }
        return err(`',' or '}' expected after property value, found ${describe()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return undefined;
      }
      for (;;) {
        const e = value(depth + 1);
        if (e) return e;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return undefined;
        }
        return err(`',' or ']' expected after array element, found ${describe()}`);
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return undefined;
      }
    }
    return err(`unexpected ${describe()}: a value (object, array, string, number, true, false, null) expected`);
  };

  const e = value(0);
  if (e) return e;
  ws();
  if (i < n) return err(`unexpected ${describe()} after the JSON value`);
  return undefined;
}
