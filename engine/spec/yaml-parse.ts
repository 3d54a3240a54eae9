/**
 * `parseDocument` with bounds, for YAML nobody vetted. The `yaml` package reads a whole file
 * into nodes before anyone can look (a 1 MiB file of `[0,0,...]`: 2.7 s, 546 MB) and recurses
 * while composing (5,000 nested `[` overflow the stack). So we drive its lexer and CST parser
 * ourselves, token by token, and stop at MAX_YAML_TOKENS tokens or MAX_NESTING levels, before
 * the composer builds anything. Characters YAML does not allow in a stream (NUL, ESC, other C0
 * and C1 controls: YAML 1.2 §5.1 c-printable) are refused first, at their position.
 */
import { Composer, type Document, Lexer, LineCounter, Parser, YAMLParseError } from 'yaml';
import { MAX_NESTING, MAX_YAML_TOKENS } from '../core/limits.js';

/** A bound was hit at `offset` (a character offset into the text). */
export class YamlLimitError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

export interface BoundedParse {
  doc: Document.Parsed;
  lines: LineCounter;
}

// YAML 1.2 §5.1: c-printable is TAB, LF, CR, x20–x7E, NEL (x85), xA0 and above, minus the
// surrogates and xFFFE/xFFFF. Strict UTF-8 decoding already rules out lone surrogates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const NOT_PRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

const NAMES: Record<number, string> = { 0: 'NUL', 7: 'BEL', 8: 'BS', 27: 'ESC', 127: 'DEL' };

/**
 * Parses one YAML document. Throws YamlLimitError for a character YAML does not allow, too
 * many tokens or too deep a nesting; syntax errors are left in `doc.errors` as usual.
 */
export function parseYamlBounded(text: string, options: { uniqueKeys?: boolean } = {}): BoundedParse {
  const bad = NOT_PRINTABLE.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0);
    const hex = code.toString(16).toUpperCase().padStart(4, '0');
    const name = NAMES[code] ? ` (${NAMES[code]})` : '';
    const asEscape = code <= 0xff ? `\\x${hex.slice(2)}` : `\\u${hex}`;
    throw new YamlLimitError(
      bad.index,
      `control character U+${hex}${name} is not allowed in YAML; inside double quotes write it as the escape "${asEscape}"`,
    );
  }
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const tokens = [];
  let count = 0;
  // The parser's stack holds the document, each open collection and at most one scalar.
  const maxStack = MAX_NESTING + 2;
  for (const lexeme of new Lexer().lex(text)) {
    if (++count > MAX_YAML_TOKENS) {
      throw new YamlLimitError(
        parser.offset,
        `the file has more than ${MAX_YAML_TOKENS} YAML tokens; an experiment is a few hundred (is this the right file?)`,
      );
    }
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > maxStack) {
      throw new YamlLimitError(parser.offset, `nesting deeper than ${MAX_NESTING} levels`);
    }
  }
  for (const token of parser.end()) tokens.push(token);

  // What parseDocument does with the tokens (yaml/dist/public-api.js), minus prettyErrors.
  const composer = new Composer({ uniqueKeys: options.uniqueKeys ?? true });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents',
        ),
      );
      break;
    }
  }
  // compose(..., forceDoc = true) always ends with a document, even for empty text.
  return { doc: doc!, lines };
}

/** 1-based line and column of a character offset, counted in the text itself. */
export function positionIn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}
