// Package broker joins the refserver's instances over Redis pub/sub
// (PROTOCOL.md SCALE-1, SCALE-3), as python-socketio's Redis manager joins
// open-webui's.
//
// A Broker is the sio.Server's Adapter. Every broadcast is delivered to the
// local sockets first, then queued for the other instances: the emitting
// goroutine never waits for Redis, so a stalled or lost Redis leaves local
// delivery untouched (SCALE-3). One publisher goroutine sends the queue in
// pipelined batches, in order, retrying a batch Redis did not take (with a
// doubling wait) until it is sent, so a stalled Redis delays messages but
// loses none; only a full queue drops, and counts. One
// subscriber goroutine receives, re-subscribing after any loss with a
// doubling wait (100 ms up to MaxRetryWait), and the state is in Stats,
// which the refserver exports at /metrics and /healthz.
//
// Messages are python-socketio's JSON pub/sub messages (its
// pubsub_manager): {"method":"emit","event","data","namespace","room",
// "skip_sid","callback","host_id"} and {"method":"disconnect","sid",
// "namespace","host_id"}, where data is the one argument of the event.
// stampede adds "stampede_args" (data is then the list of arguments, for
// events with other than one), "attachments" (binary parts, base64) and
// "body" (application messages, e.g. the app's token revocations). A
// message whose host_id is ours is skipped: it was delivered locally when
// it was published.
//
// Calls across hosts (CHAT-2): Call publishes an emit to a sid with
// python-socketio's "callback": [sid, namespace, id]; the instance holding
// the socket emits it with an ack id and publishes the ack as
// {"method":"callback","host_id":<the caller>,"sid","namespace","id",
// "args"}, which only the caller takes (the one message whose host_id being
// ours means "for us", not "from us"). A socket that goes away answers
// null, which Call reports as ErrNoAck.
//
// Channels: the one channel (Config.Channel, "socketio") carries
// disconnects, multi-room emits and application messages; with
// RoomChannels (open-webui's WEBSOCKET_REDIS_ROOM_CHANNELS, on by default)
// a single-room emit goes on "{channel}#{namespace}#{room}", which every
// instance receives through one PSUBSCRIBE "{channel}#*" and drops before
// decoding when it has no local member in the room.
package broker
