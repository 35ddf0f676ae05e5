/** Where the test server exposes tests/fixtures/reference-gc to test pages (they are not part of the app build). */
export const FIXTURE_ROUTE = '/__fixtures/reference-gc/';
