// A stock socket.io server as a new user writes one: http.createServer()
// with no request handler and new Server(httpServer) with every default
// (path /socket.io/, polling and websocket). Requests outside /socket.io/,
// GET /metrics among them, are never answered. Namespace / echoes
// message-with-ack (ECHO-4) and message as message-back (ECHO-3).
//
//   node stock-server.js [port]    (port 0 or absent: any free port)
//
// Prints "listening <port>" once ready; exits when stdin closes.
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const httpServer = http.createServer();
const io = new Server(httpServer);

io.on("connection", (socket) => {
  socket.on("message", (...args) => socket.emit("message-back", ...args));
  socket.on("message-with-ack", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
});

httpServer.listen(Number(process.argv[2] || 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${httpServer.address().port}\n`);
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
