#!/usr/bin/env node
// `npm run token -- --account acme --role admin [--email owner@acme.example]`: prints a local HS256
// token, alone on its last line. `--email` sets the OIDC email claim (tpl-connection-service's
// accounts directory records admins' emails from it).
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    account: { type: 'string', default: 'acme' },
    role: { type: 'string', default: 'admin' },
    sub: { type: 'string' },
    email: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});
if (!/^[A-Za-z0-9_.-]{1,64}$/.test(values.account)) {
  process.stderr.write('--account must be 1-64 characters of A-Z a-z 0-9 _ . -\n');
  process.exit(2);
}
if (values.role !== 'admin' && values.role !== 'member') {
  process.stderr.write('--role must be admin or member\n');
  process.exit(2);
}
const { LOCAL_DEV_SECRET, signDevToken } = await import('@crp/platform/auth');
const token = await signDevToken(process.env.AUTH_JWT_SECRET ?? LOCAL_DEV_SECRET, {
  accountId: values.account,
  role: values.role,
  sub: values.sub,
  email: values.email,
  expiresIn: values.expires,
});
process.stderr.write(
  `account=${values.account} role=${values.role}${values.email ? ` email=${values.email}` : ''} expires in ${values.expires}\n`,
);
process.stdout.write(`${token}\n`);
