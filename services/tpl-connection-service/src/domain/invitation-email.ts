/** The invitation e-mail (R5.1, R5.3): what the client's admin reads. Pure: text in, text out. */
export interface InvitationEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The link carries the token as a query parameter of the app's "review connection" page. */
export function invitationLink(baseUrl: string, token: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

export function renderInvitationEmail(input: {
  to: string;
  companyName: string;
  link: string;
  expiresAt: Date;
}): InvitationEmail {
  const until = input.expiresAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const subject = `${input.companyName} invites you to connect as its client`;
  const text = [
    `${input.companyName} invites your account to connect with it as a 3PL (third-party logistics provider).`,
    '',
    'Once connected, you can delegate orders to them, by hand or with an automation rule; they will',
    'ship those orders, with their own carrier accounts or with yours.',
    '',
    `Review and accept the connection (an admin of your account must confirm it):`,
    input.link,
    '',
    `The link works once and expires on ${until}. You can also review the connection in your`,
    'settings under Logistics providers. If you do not know this company, ignore this e-mail.',
  ].join('\n');
  const html = [
    `<p>${escapeHtml(input.companyName)} invites your account to connect with it as a 3PL (third-party logistics provider).</p>`,
    '<p>Once connected, you can delegate orders to them, by hand or with an automation rule; they will ship those orders, with their own carrier accounts or with yours.</p>',
    `<p><a href="${escapeHtml(input.link)}">Review and accept the connection</a> (an admin of your account must confirm it).</p>`,
    `<p>The link works once and expires on ${until}. You can also review the connection in your settings under Logistics providers. If you do not know this company, ignore this e-mail.</p>`,
  ].join('\n');
  return { to: input.to, subject, text, html };
}
