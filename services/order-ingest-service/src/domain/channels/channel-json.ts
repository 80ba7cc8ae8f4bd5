import type { Json } from '../order';

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Channel payloads as sent, parsed without losing digits: Shopify ids are 64-bit integers (its own
 * published webhook sample has `"id": 820982911946154508`, above 2^53), which plain JSON.parse
 * silently rounds — two orders would then share an id. Integers a double cannot hold exactly are
 * turned into their decimal strings before the native parser runs; every other number stays a
 * number. A lossless JSON library measured 7 MB/s here, far too slow for 4 MB order pages: a text
 * without any 16-digit run goes straight to JSON.parse, and otherwise one pass over the text
 * (string-aware, so digits inside strings are never touched) quotes the big integers.
 */
export function parseChannelJson(text: string): Json {
  if (!/\d{16}/.test(text)) return JSON.parse(text) as Json;
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c === 45 || isDigit(c)) {
      // A number token outside a string: read it whole.
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (isDigit(d) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) j++;
        else break;
      }
      if (j - i >= 16) {
        const token = text.slice(i, j);
        if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
          out += `${text.slice(last, i)}"${token}"`;
          last = j;
        }
      }
      i = j - 1;
    }
  }
  return JSON.parse(last === 0 ? text : out + text.slice(last)) as Json;
}
