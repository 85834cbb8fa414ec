/**
 * Line breaking for mixed Chinese/Latin text: a CJK character is a break
 * opportunity on both sides, Latin words break at spaces (and are cut only if
 * a single word is wider than the line). Closing punctuation never starts a
 * line and opening punctuation never ends one (simple 避头尾 rules).
 */

/** Measures the width of a string in points. */
export type Measure = (text: string) => number;

const CJK =
  /[\u2E80-\u2FFF\u3000-\u30FF\u3100-\u31FF\u3200-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF]|[\u{20000}-\u{3FFFF}]/u;
// Control characters other than \t and \n have no glyph.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** Must not start a line: attach to the previous token. */
const NO_LINE_START = new Set([..."，。、；：？！）］｝」』》〉】〕〗〙’”…‥·・—～％,.;:?!)]}%"]);
/** Must not end a line: attach to the next token. */
const NO_LINE_END = new Set([..."（［｛「『《〈【〔〖〘‘“￥＄([{"]);

/** Splits one line of text into unbreakable tokens (words, CJK chars, single spaces). */
export function tokenize(line: string): string[] {
  const raw: string[] = [];
  let word = "";
  for (const ch of line) {
    const space = ch === " " || ch === "\t";
    if (!space && !CJK.test(ch)) {
      word += ch;
      continue;
    }
    if (word) raw.push(word);
    word = "";
    raw.push(space ? " " : ch);
  }
  if (word) raw.push(word);

  const tokens: string[] = [];
  for (const t of raw) {
    const prev = tokens[tokens.length - 1];
    const glue =
      prev !== undefined && prev !== " " && t !== " " &&
      (NO_LINE_START.has(t.charAt(0)) || NO_LINE_END.has(prev.charAt(prev.length - 1)));
    if (glue) tokens[tokens.length - 1] = prev + t;
    else tokens.push(t);
  }
  return tokens;
}

/** Cuts a token wider than `maxWidth` into pieces that fit (at least one char each). */
function hardBreak(token: string, maxWidth: number, measure: Measure): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (const ch of token) {
    if (piece && measure(piece + ch) > maxWidth) {
      pieces.push(piece);
      piece = "";
    }
    piece += ch;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/**
 * Wraps `text` to lines no wider than `maxWidth`. `\n` forces a break; an
 * empty input line yields an empty output line. Leading spaces of wrapped
 * lines and trailing spaces of all lines are dropped.
 */
export function wrapText(text: string, maxWidth: number, measure: Measure): string[] {
  const lines: string[] = [];
  const clean = text.replace(/\r\n?/g, "\n").replace(CONTROL, "");
  for (const para of clean.split("\n")) {
    let line = "";
    let width = 0;
    const push = () => {
      lines.push(line.trimEnd());
      line = "";
      width = 0;
    };
    const before = lines.length;
    for (const token of tokenize(para)) {
      if (token === " " && !line) continue;
      const w = measure(token);
      if (width + w <= maxWidth || token === " ") {
        line += token;
        width += w;
        continue;
      }
      if (line) push();
      if (w <= maxWidth) {
        line = token;
        width = w;
        continue;
      }
      const pieces = hardBreak(token, maxWidth, measure);
      const tail = pieces.pop() ?? "";
      for (const p of pieces) lines.push(p);
      line = tail;
      width = measure(tail);
    }
    if (line.trim() || lines.length === before) push();
  }
  return lines;
}
