/** Where the test server exposes shared/fixtures/reference-gc (never copied into the repository). */
export const FIXTURE_ROUTE = '/__fixtures/reference-gc/';
