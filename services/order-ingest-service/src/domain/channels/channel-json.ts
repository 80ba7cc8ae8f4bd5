import { isSafeNumber, parse } from 'lossless-json';
import type { Json } from '../order';

/**
 * Channel payloads as sent, parsed without losing digits: Shopify ids are 64-bit integers
 * (its own published webhook sample has `"id": 820982911946154508`, above 2^53), which plain
 * JSON.parse silently rounds — two orders would then share an id. Integers that a double cannot
 * hold come back as their decimal strings; every other number as a number.
 */
export function parseChannelJson(text: string): Json {
  return parse(text, null, (digits: string) => {
    if (/^-?\d+$/.test(digits) && !isSafeNumber(digits)) return digits;
    return Number(digits);
  }) as Json;
}
