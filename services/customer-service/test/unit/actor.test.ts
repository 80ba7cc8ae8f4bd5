import { actorOf } from '../../src/http/actor';

describe('actorOf: who acted, as the change log and privacy requests store it', () => {
  const ctx = (userId: string) => ({ principal: { accountId: 'acme', userId }, correlationId: 'c1' });
  it('keeps a usual JWT sub as it is', () => {
    expect(actorOf(ctx('user_42'))).toEqual({ accountId: 'acme', userId: 'user_42', correlationId: 'c1' });
  });
  it('a sub longer than the column fits it and stays unique (a value the database cannot hold never reaches it)', () => {
    const a = actorOf(ctx(`${'x'.repeat(300)}a`)).userId;
    const b = actorOf(ctx(`${'x'.repeat(300)}b`)).userId;
    expect(a.length).toBeLessThanOrEqual(190);
    expect(a).not.toBe(b);
  });
});
