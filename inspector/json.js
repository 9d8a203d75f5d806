// Pretty-printing a JSON body without parsing it into JavaScript values: a number such as
// 12345678901234567890 keeps its digits (JSON.parse would make it 12345678901234567000), the way the
// CLI's lossless-json keeps them.

// One token of valid JSON: a string, a structural character, whitespace, or a number/true/false/null.
const TOKEN = /"(?:[^"\\]|\\.)*"|[{}[\],:]|\s+|[^\s{}[\],:"]+/g;

/** The body indented by two spaces when it is JSON; null when it is not. */
export function prettyJson(text) {
  try {
    JSON.parse(text);
  } catch {
    return null;
  }
  return reindent(text);
}

function reindent(text) {
  const indents = [];
  let depth = 0;
  const newline = () => (indents[depth] ??= `\n${'  '.repeat(depth)}`);
  // An opening bracket waits for the next token: `{}` and `[]` stay on one line.
  let opened = '';
  return text.replace(TOKEN, (token) => {
    if (token.trim() === '') return '';
    let out = '';
    if (opened) {
      const empty = token === '}' || token === ']';
      if (empty) {
        opened = '';
        return token;
      }
      depth++;
      out = newline();
      opened = '';
    }
    if (token === '{' || token === '[') {
      opened = token;
      return out + token;
    }
    if (token === '}' || token === ']') {
      depth--;
      return out + newline() + token;
    }
    if (token === ',') return `${out},${newline()}`;
    if (token === ':') return `${out}: `;
    return out + token;
  });
}
