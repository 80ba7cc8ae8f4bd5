import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailer } from '../../src/infra/mail/mailer';

describe('the folder mailer (no SMTP)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crp-mail-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves each message as a whole .eml with its .json, and nothing half-written behind', async () => {
    const { mailer, mailbox } = createMailer({ from: 'noreply@crp.example', dir });
    await mailer.send({
      to: 'admin@acme.example',
      subject: 'Hello',
      text: 'Body',
      html: '<p>Body</p>',
      senderAccountId: 'shipfast',
    });
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^mail_.+\.eml$/);
    expect(files[1]).toBe(files[0]!.replace(/\.eml$/, '.json'));
    expect(readFileSync(join(dir, files[0]!), 'utf8')).toMatch(/^To: admin@acme\.example$/m);
    const listed = await mailbox!.list({ recipients: ['admin@acme.example'], limit: 10 });
    expect(listed.map((m) => m.subject)).toEqual(['Hello']);
  });

  it('lists only finished messages: a file still being written is not read', async () => {
    const { mailbox } = createMailer({ from: 'noreply@crp.example', dir });
    writeFileSync(join(dir, 'mail_x.json.partial'), '{"id": "mail_x", "to": "admin@acme');
    await expect(mailbox!.list({ recipients: ['admin@acme.example'], limit: 10 })).resolves.toEqual([]);
  });
});
