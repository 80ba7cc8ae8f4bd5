import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { newId } from '@crp/platform/ids';
import type { Mailbox, Mailer, SentMail } from '../../app/ports';

export interface MailConfig {
  /** smtp://user:pass@host:587 or smtps://…; without it, messages are written to `dir`. */
  smtpUrl?: string;
  from: string;
  dir: string;
}

/** Sends through SMTP when one is configured (deployments). */
function smtpMailer(cfg: MailConfig & { smtpUrl: string }): Mailer {
  const transport = nodemailer.createTransport(cfg.smtpUrl);
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: cfg.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { 'X-Crp-Sender-Account': mail.senderAccountId },
      });
      return { messageId: String(info.messageId) };
    },
  };
}

/**
 * Writes under a temporary name, then renames: whoever lists the folder (GET /v1/dev/outbox, a
 * mail client, a test) sees a whole file or none, never one still being written.
 */
async function writeWhole(file: string, data: string | Buffer): Promise<void> {
  const partial = `${file}.partial`;
  await writeFile(partial, data);
  await rename(partial, file);
}

/**
 * No SMTP (the embedded default, local runs): nodemailer still builds the real RFC 5322 message,
 * which is written to `<dir>/<id>.eml` (opens in any mail client) with a `<id>.json` beside it
 * that GET /v1/dev/outbox lists.
 */
function folderMailer(cfg: MailConfig): Mailer & Mailbox {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const dir = resolve(cfg.dir);
  return {
    async send(mail) {
      const id = newId('mail');
      const info = await transport.sendMail({
        from: cfg.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { 'X-Crp-Sender-Account': mail.senderAccountId },
      });
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${id}.eml`);
      await writeWhole(file, info.message as Buffer);
      const meta: SentMail = {
        id,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        senderAccountId: mail.senderAccountId,
        sentAt: new Date().toISOString(),
        file,
      };
      await writeWhole(join(dir, `${id}.json`), JSON.stringify(meta, null, 2));
      return { messageId: String(info.messageId) };
    },

    async list(filter) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const recipients = new Set(filter.recipients);
      const metas = await Promise.all(
        names
          .filter((n) => n.endsWith('.json'))
          .map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as SentMail),
      );
      return metas
        .filter((m) => recipients.has(m.to.toLowerCase()))
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, filter.limit);
    },
  };
}

export function createMailer(cfg: MailConfig): { mailer: Mailer; mailbox: Mailbox | null } {
  if (cfg.smtpUrl) return { mailer: smtpMailer({ ...cfg, smtpUrl: cfg.smtpUrl }), mailbox: null };
  const folder = folderMailer(cfg);
  return { mailer: folder, mailbox: folder };
}
