export { default } from '@crp/tooling/eslint.config.mjs';
