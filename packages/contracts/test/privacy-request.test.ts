import { legalBasisText } from '../src/privacy-request';

describe('legalBasisText (R2.10)', () => {
  it('names the article of each basis and request type', () => {
    expect(legalBasisText('gdpr', 'erase')).toBe('GDPR Art. 17');
    expect(legalBasisText('gdpr', 'export')).toBe('GDPR Art. 15');
    expect(legalBasisText('ccpa', 'erase')).toBe('CCPA 1798.105');
    expect(legalBasisText('other', 'erase')).toBe('other');
  });
});
