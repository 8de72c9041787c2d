'use strict';
// maxpayload.js sends messages around the server's maxPayload (EIO-10) from
// two clients: "big" sends bigSize characters and should be cut off;
// "fits" sends fitSize characters (a packet of exactly maxPayload bytes),
// and, after big is gone, checks that an ack still works.
//
// Config: url, path, transports, namespace, bigSize, fitSize, waitMs, quietMs.
const { io } = require('socket.io-client');
const lib = require('./lib');

lib.main(async (cfg, track) => {
  const ms = cfg.waitMs;
  const dial = () => track(io(cfg.url + cfg.namespace, {
    path: cfg.path, transports: cfg.transports, forceNew: true, reconnection: false,
  }));
  const big = dial();
  const fits = dial();
  const obs = lib.observing({ big: { disconnects: [], messageBacks: 0 }, fits: {} });
  big.on('disconnect', (reason, details) => {
    obs.big.disconnects.push(reason);
    // websocket: the close frame's code; polling: the HTTP status of the POST.
    obs.big.closeCode = details && details.context && details.context.code;
    if (details && typeof details.description === 'number') obs.big.httpStatus = details.description;
  });
  big.on('message-back', () => obs.big.messageBacks++);
  obs.connectErrors = await Promise.all([big, fits].map((s) => lib.connected(s, ms)));

  const back = lib.once(fits, 'message-back', ms);
  fits.emit('message', 'f'.repeat(cfg.fitSize));
  obs.fits.messageBackLength = await back.then((a) => (a.$timeout ? a : a[0].length));

  big.emit('message', 'b'.repeat(cfg.bigSize));
  await lib.until(() => obs.big.disconnects.length > 0, ms);
  await lib.sleep(cfg.quietMs);
  obs.fits.ack = await lib.ack(fits, ms, 'message-with-ack', 'unaffected');
  obs.fits.connected = fits.connected;
  return obs;
});
