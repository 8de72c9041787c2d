// Package wstest is a raw websocket client for the server tests of
// refserver, refserver/engine and refserver/sio: exactly the frames the
// test writes go out, and every frame the server sends comes back, in
// order, through one read loop (which answers Engine.IO pings `2` with `3`
// when asked to). The packages build their Engine.IO and Socket.IO helpers
// on it. It is test support: failures end the test.
package wstest
