import { Writable } from 'node:stream';
import { createLogger, requestForLog } from '../src/logger';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, sink };
}

describe('logs keep secrets and personal data out', () => {
  it('censors the Authorization and Cookie headers and channel credentials wherever a request is logged', () => {
    const { lines, sink } = capture();
    createLogger('t', 'info', sink).info(
      {
        req: {
          headers: {
            authorization: 'Bearer eyJ.secret.token',
            cookie: 'sid=abc',
            'x-shopify-access-token': 'shpat_x',
          },
        },
      },
      'request',
    );
    expect(lines.join('')).not.toMatch(/eyJ|sid=abc|shpat_x/);
    expect(JSON.parse(lines[0]!).req.headers).toEqual({
      authorization: '[redacted]',
      cookie: '[redacted]',
      'x-shopify-access-token': '[redacted]',
    });
  });

  it('the request log keeps the names of query parameters, not their values', () => {
    expect(
      requestForLog({
        id: '1',
        method: 'GET',
        url: '/v1/customers?email=ada%40example.com&q=%2B44%2020&limit=5&flag',
        query: { email: 'ada@example.com' },
        params: {},
        headers: {},
      }),
    ).toEqual({
      id: '1',
      method: 'GET',
      url: '/v1/customers?email=…&q=…&limit=…&flag=…',
      params: {},
      headers: {},
      remoteAddress: undefined,
      remotePort: undefined,
    });
    expect(requestForLog({ url: '/v1/customers/cus_1' }).url).toBe('/v1/customers/cus_1');
  });
});
