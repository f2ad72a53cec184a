// Stands in for the vendored socket.io client in unit tests (vitest.config.js): they test
// what live.js computes, never a connection. A test that drives live.js's command queue sets
// `globalThis.fakeSocket` to a function making its stand-in (tests/js/fake_socket.js).
export function io(...args) {
  if (globalThis.fakeSocket) return globalThis.fakeSocket(...args);
  throw new Error("no live connection in a unit test");
}
