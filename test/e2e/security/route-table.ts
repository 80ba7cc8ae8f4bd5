import type { Express } from 'express';
import request from 'supertest';
import { listExpressRoutes } from '@crp/platform/http';

/** One operation of a service, as its OpenAPI document (built from its route table) describes it. */
export interface RouteInfo {
  service: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax: /v1/customers/:customerId */
  path: string;
  operationId: string;
  /** No bearer token asked for (signed webhooks). */
  isPublic: boolean;
  pathParams: string[];
  query: Array<{ name: string; required: boolean; schema: JsonSchema }>;
  hasBody: boolean;
  /** `METHOD /path` */
  label: string;
}

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

interface OpenApiOperation {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: 'path' | 'query'; required: boolean; schema: JsonSchema }>;
  requestBody?: unknown;
}

/**
 * Every operation a service serves under /v1, read from its own `/openapi.json` (generated from
 * the same route table express serves) and checked against express's router: a route added by
 * anyone is in this list without anyone listing it here.
 */
export async function routeTable(service: string, app: Express): Promise<RouteInfo[]> {
  const res = await request(app).get('/openapi.json');
  if (res.status !== 200) throw new Error(`${service}: /openapi.json answered ${res.status}`);
  const doc = res.body as { paths: Record<string, Record<string, OpenApiOperation>> };
  const routes: RouteInfo[] = [];
  for (const [oaPath, ops] of Object.entries(doc.paths)) {
    if (!oaPath.startsWith('/v1/')) continue;
    for (const [method, op] of Object.entries(ops)) {
      const path = oaPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
      const params = op.parameters ?? [];
      routes.push({
        service,
        method: method as RouteInfo['method'],
        path,
        operationId: op.operationId,
        isPublic: Array.isArray(op.security) && op.security.length === 0,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, required: p.required, schema: p.schema })),
        hasBody: op.requestBody !== undefined,
        label: `${method.toUpperCase()} ${path}`,
      });
    }
  }
  const served = listExpressRoutes(app).filter((r) => r.split(' ')[1]!.startsWith('/v1/'));
  const documented = routes.map((r) => r.label);
  const undocumented = served.filter((r) => !documented.includes(r));
  if (undocumented.length)
    throw new Error(
      `${service} serves routes its OpenAPI document does not list: ${undocumented.join(', ')}`,
    );
  return routes;
}

/** A query parameter that takes free text (where a SQL metacharacter can reach a query). */
export function isFreeText(schema: JsonSchema): boolean {
  if (schema.enum || schema.const !== undefined) return false;
  if (schema.anyOf) return schema.anyOf.some(isFreeText);
  return schema.type === 'string' && schema.format === undefined;
}

/** Fills a path with values: `/v1/x/:id` → `/v1/x/<value>` (URL-encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(v);
  });
}
