// Package nodepeer starts the real Node.js socket.io peers kept in
// testdata/node (the echo-contract server echo-server.js) for the tests
// that check stampede against them. It is test support: only _test files
// import it. A missing Node or node_modules is an error that says to run
// `make node-deps`; interop is never skipped.
package nodepeer
