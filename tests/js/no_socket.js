// Stands in for the vendored socket.io client in unit tests (vitest.config.js): they test
// what live.js computes, never a connection.
export function io() {
  throw new Error("no live connection in a unit test");
}
