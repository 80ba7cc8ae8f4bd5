import type { ClientInvitedV1 } from '@crp/contracts/events/client-invited';
import type { HandlerMeta } from '@crp/messaging/consumer';
import { invitationState } from '../domain/invitation';
import { invitationLink, renderInvitationEmail } from '../domain/invitation-email';
import type { TplDeps, Tx } from './ports';

export type EmailOutcome = 'sent' | 'skipped';

/**
 * ClientInvited → the invitation e-mail (R5.1, R5.3). The service consumes its own event so the
 * mail leaves only once the invitation committed, and is retried (then dead-lettered) like any
 * other handler when the mail server is away. The token is signed again from the invitation: the
 * same invitation always gives the same link, so a redelivery mails an identical message.
 * A link that no longer counts (answered, resent, removed) is not mailed.
 */
export async function sendInvitationEmail(
  event: ClientInvitedV1,
  tx: Tx,
  deps: Pick<TplDeps, 'repos' | 'tokens' | 'mailer' | 'invitations' | 'now'>,
  meta?: HandlerMeta,
): Promise<EmailOutcome> {
  const { invitationId, connectionId, tplAccountId } = event.payload;
  // Only the 3PL's own account announces its invitations: an event of another account naming
  // this 3PL's connection is refused (nothing mailed), whatever else it says.
  if (event.accountId !== tplAccountId) {
    meta?.log.warn(
      { connectionId, invitationId, tplAccountId },
      'ClientInvited refused: its account is not the 3PL of the connection it names',
    );
    return 'skipped';
  }
  if (!invitationId) {
    meta?.log.warn({ connectionId }, 'ClientInvited without invitationId: nothing to mail');
    return 'skipped';
  }
  const invitation = await deps.repos.invitations.byId(tx, invitationId);
  const connection = await deps.repos.connections.ofTpl(tx, tplAccountId, connectionId);
  if (!invitation || !connection || invitation.connectionId !== connection.id) {
    meta?.log.warn({ connectionId, invitationId }, 'invitation not found: nothing to mail');
    return 'skipped';
  }
  const state = invitationState(invitation, deps.now());
  if (state !== 'open' || connection.status !== 'pending') {
    meta?.log.info(
      { connectionId, invitationId, state, status: connection.status },
      'invitation no longer open: not mailed',
    );
    return 'skipped';
  }
  const token = await deps.tokens.sign(invitation);
  const mail = renderInvitationEmail({
    to: connection.clientEmail,
    companyName: connection.companyName,
    link: invitationLink(deps.invitations.linkUrl, token),
    expiresAt: invitation.expiresAt,
  });
  const { messageId } = await deps.mailer.send({ ...mail, senderAccountId: tplAccountId });
  meta?.log.info({ connectionId, invitationId, messageId }, 'invitation e-mail sent');
  return 'sent';
}
