/**
 * Who last wrote a value (SPEC §0 "Source"): a store sync, or a person (manual), a CSV, the API;
 * `mailchimp`: the audience's own webhook (an unsubscribe or a bounce there, issue #19).
 */
export type SourceKind = 'store' | 'manual' | 'csv' | 'api' | 'mailchimp';
