/** Largest `data.delta` of an agent's `.output` event, in bytes of UTF-8 (docs/protocol.md §2). */
export const OUTPUT_DELTA_MAX_BYTES = 64 * 1024;

/** Default of OUTPUT_MAX_BYTES: the output of one step kept in `state` (docs/protocol.md §1, §5). */
export const DEFAULT_OUTPUT_MAX_BYTES = 1024 * 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string UTF-8 can carry as it is: no half of a surrogate pair on its own. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Bytes of `text` in UTF-8, counted without encoding it (works in browsers and Node alike). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The longest prefix of `text` made of whole characters (never half a
 * surrogate pair) whose UTF-8 takes at most `maxBytes`.
 */
export function prefixWithinBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) return text.slice(0, i);
    bytes += size;
    if (pair) i++;
  }
  return text;
}
