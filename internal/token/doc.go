// Package token mints open-webui's socket tokens, the ones the refserver
// verifies (PROTOCOL.md AUTH-1): HS256 JWTs with the claims id, exp, jti
// and iat. It is the one mint of stampede: stampede token, the refserver's
// tests, the simulator's clients and the conformance suite all sign here;
// only the suite's deliberate forgeries (another algorithm, a bad claim)
// sign on their own.
//
// It is a leaf: it imports nothing of stampede (so that refserver and
// simulator share it without importing each other), keeps no state and
// starts no goroutines; Mint is safe for concurrent use.
package token
