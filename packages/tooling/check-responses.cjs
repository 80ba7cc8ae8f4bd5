// Every service answer made during the tests is checked against the schema its route documents
// for that status (packages/platform/src/http.ts, checkAnswer): an answer that does not match is a
// 500 naming the problems, so the OpenAPI documents cannot drift from what the code sends.
process.env.HTTP_CHECK_RESPONSES = '1';
