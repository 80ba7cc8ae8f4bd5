import { securitySuite } from './security-suite';

// The zero-setup default (SQLite, in-process bus): what `npm start` runs.
describe('security matrix, every route of every service (embedded stack)', () => {
  securitySuite('embedded', 'sec_embedded');
});
