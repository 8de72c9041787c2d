"""Echo server for comparing stampede's conformance suite with python-socketio.

python-socketio 5.x on aiohttp implementing PROTOCOL.md section 10 (ECHO-1 ...
ECHO-7), as testdata/node/echo-server.js does for Node:

    python3 echo_server.py [port]    (port 0 or absent: any free port)

Prints "listening <port>" on stdout once ready; exits when stdin closes (so
that it dies with the test that started it) or on SIGTERM.

Socket.IO at /socket.io/ (namespaces / and /custom) and a raw Engine.IO echo
at /engine.io/, both with pingInterval 300 ms, pingTimeout 200 ms,
maxPayload 1000000 (python's max_http_buffer_size), polling and websocket
with upgrade.
"""
import asyncio
import signal
import sys

import engineio
import socketio
from aiohttp import web

COMMON = dict(async_mode="aiohttp", ping_interval=0.3, ping_timeout=0.2,
              max_http_buffer_size=1000000, cors_allowed_origins="*")

sio = socketio.AsyncServer(**COMMON)
eio = engineio.AsyncServer(**COMMON)


def echo(nsp):
    @sio.on("connect", namespace=nsp)
    async def connect(sid, environ, auth=None):
        # ECHO-2: the CONNECT reply goes out when this handler returns, so
        # the auth event is sent right after it.
        asyncio.get_running_loop().call_soon(
            lambda: asyncio.ensure_future(
                sio.emit("auth", auth if auth is not None else {}, to=sid, namespace=nsp)))

    @sio.on("message", namespace=nsp)
    async def message(sid, *args):
        await sio.emit("message-back", args, to=sid, namespace=nsp)

    @sio.on("message-with-ack", namespace=nsp)
    async def message_with_ack(sid, *args):
        return args

    @sio.on("join", namespace=nsp)
    async def join(sid, room=None, *_):
        sio.enter_room(sid, room, namespace=nsp)
        return "joined"

    @sio.on("server-disconnect", namespace=nsp)
    async def server_disconnect(sid, *_):
        await sio.disconnect(sid, namespace=nsp)

    @sio.on("shout", namespace=nsp)
    async def shout(sid, room=None, payload=None, *_):
        await sio.emit("shouted", payload, room=room, namespace=nsp)


echo("/")
echo("/custom")


@eio.on("message")
async def engine_message(sid, data):
    await eio.send(sid, data)  # ECHO-1


async def main(port):
    app = web.Application()
    sio.attach(app, socketio_path="socket.io")
    eio.attach(app, engineio_path="engine.io")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]
    sys.stdout.write("listening %d\n" % bound)
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.cancel)
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.read(1) or stop.cancel())
    try:
        await stop
    except asyncio.CancelledError:
        pass
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
