// jest 29 runs each test file in a fresh `vm` realm. Node 20 installs Symbol.dispose and
// Symbol.asyncDispose (as Symbol.for('nodejs.dispose') / 'nodejs.asyncDispose') in its
// main realm only, so `using` would throw "Symbol.dispose is not defined" in tests while
// it works in a real Node program. Install the same symbols in the test realm.
if (typeof Symbol.dispose !== 'symbol') {
  Object.defineProperty(Symbol, 'dispose', { value: Symbol.for('nodejs.dispose') });
}
if (typeof Symbol.asyncDispose !== 'symbol') {
  Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('nodejs.asyncDispose') });
}
