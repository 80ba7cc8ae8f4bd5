import { randomBytes } from 'node:crypto';

/**
 * Prefixed ids that sort by creation time (`cus_`, `ord_`, …): readable in logs, and list
 * pagination by id follows creation order.
 */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}
