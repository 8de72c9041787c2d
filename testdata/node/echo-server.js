// Echo server for stampede's client tests and for comparisons with Node:
// socket.io 4.8 implementing PROTOCOL.md section 10 (ECHO-1 … ECHO-7).
//
//   node echo-server.js [port]    (port 0 or absent: any free port)
//
// Prints "listening <port>" on stdout once ready; exits when stdin closes
// (so that it dies with the test that started it) or on SIGTERM.
//
// Socket.IO at /socket.io/ (namespaces / and /custom) and a raw Engine.IO
// echo at /engine.io/, both with pingInterval 300 ms, pingTimeout 200 ms (see
// ECHO_PING_INTERVAL below),
// maxPayload 1000000, polling and websocket with upgrade. Besides the echo
// contract, events for testing clients:
//   server-disconnect       -> socket.disconnect()         (client sees `41`)
//   drop-transport          -> socket.conn.close()         (Engine.IO close)
//   message with an ack id  -> echoed as message-back; the ack is never called
//                              (for ack-timeout tests)
//   ask (...args)           -> emits `question` (...args) with an ack id and
//                              forwards the client's ack as `answer` [replyArgs]
//                              (or `answer` {error} after 2 s)
"use strict";

const http = require("http");
const { Server } = require("socket.io");
const engine = require("engine.io");

const port = Number(process.argv[2] || 0);

// ECHO_PING_INTERVAL / ECHO_PING_TIMEOUT (ms) override the pings, for tests
// that load Node heavily (the limits layer's floods).
const common = {
  pingInterval: Number(process.env.ECHO_PING_INTERVAL || 300),
  pingTimeout: Number(process.env.ECHO_PING_TIMEOUT || 200),
  maxHttpBufferSize: 1e6,
  transports: ["polling", "websocket"],
};

const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found");
});

const io = new Server(httpServer, { ...common, path: "/socket.io/", serveClient: false });

function takeAck(args) {
  return typeof args[args.length - 1] === "function" ? args.pop() : null;
}

function echo(nsp) {
  nsp.on("connection", (socket) => {
    socket.emit("auth", socket.handshake.auth); // ECHO-2
    socket.on("message", (...args) => {
      takeAck(args);
      socket.emit("message-back", ...args); // ECHO-3
    });
    socket.on("message-with-ack", (...args) => {
      const ack = takeAck(args);
      if (ack) ack(...args); // ECHO-4
    });
    socket.on("join", (room, ack) => {
      socket.join(room); // ECHO-7
      if (typeof ack === "function") ack("joined");
    });
    socket.on("shout", (room, payload) => {
      nsp.to(room).emit("shouted", payload);
    });
    socket.on("server-disconnect", () => socket.disconnect());
    socket.on("drop-transport", () => socket.conn.close());
    socket.on("ask", (...args) => {
      takeAck(args);
      socket.timeout(2000).emit("question", ...args, (err, ...reply) => {
        socket.emit("answer", err ? { error: String(err.message) } : reply);
      });
    });
  });
}

echo(io.of("/"));
echo(io.of("/custom"));

// ECHO-1: raw Engine.IO echo beside Socket.IO on the same HTTP server.
// attach() chains to the request listeners already installed (socket.io's),
// so each engine only takes the requests under its own path.
const eio = engine.attach(httpServer, { ...common, path: "/engine.io/", destroyUpgrade: false });
eio.on("connection", (socket) => {
  socket.on("message", (data) => socket.send(data));
});

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${httpServer.address().port}\n`);
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
