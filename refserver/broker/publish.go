package broker

import (
	"context"
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"
)

// The publishing side: a bounded queue, drained in pipelined batches that
// are retried until Redis takes them (SCALE-3).

func (b *Broker) enqueue(channel string, m message) {
	if b.cfg.Faults.NoPublish {
		return
	}
	payload, err := json.Marshal(m)
	if err != nil {
		b.stats.BadMessages.Add(1)
		return
	}
	if b.cfg.Faults.SyncPublish {
		if err := b.cfg.Client.Publish(context.Background(), channel, payload).Err(); err != nil {
			b.stats.PublishErrors.Add(1)
		} else {
			b.stats.Published.Add(1)
		}
		return
	}
	select {
	case b.queue <- outbound{channel, payload}:
	default:
		b.stats.Dropped.Add(1)
		b.errLog.warn(b.log, "redis publish queue full: dropping cross-instance messages")
	}
}

// publishLoop sends queued messages in pipelined batches, in order.
func (b *Broker) publishLoop(ctx context.Context) {
	batch := make([]outbound, 0, 256)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case m := <-b.queue:
			batch = append(batch, m)
		}
	fill:
		for len(batch) < cap(batch) {
			select {
			case m := <-b.queue:
				batch = append(batch, m)
			default:
				break fill
			}
		}
		if !b.publishBatch(ctx, batch) {
			return
		}
	}
}

// publishBatch sends batch, retrying the messages Redis did not take with a
// doubling wait (100 ms up to MaxRetryWait) until they are sent or ctx is
// done (false). A stalled Redis therefore loses nothing: the batch in
// flight waits, later messages wait in the queue, and only a full queue
// drops (SCALE-3). A retried PUBLISH may have reached Redis before its
// reply was lost, so delivery is at least once.
func (b *Broker) publishBatch(ctx context.Context, batch []outbound) bool {
	wait := 100 * time.Millisecond
	for {
		failed, err := b.send(ctx, batch)
		b.stats.Published.Add(uint64(len(batch) - len(failed)))
		if len(failed) == 0 {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		b.stats.PublishErrors.Add(uint64(len(failed)))
		b.errLog.warn(b.log, "redis publish failed: retrying cross-instance messages", "err", err, "pending", len(failed), "retry_in", wait)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, b.cfg.MaxRetryWait)
		batch = failed
	}
}

// send publishes batch in one pipeline and returns the messages that
// failed, in order (batch's own array, compacted), and the first error.
func (b *Broker) send(ctx context.Context, batch []outbound) ([]outbound, error) {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	pipe := b.cfg.Client.Pipeline()
	cmds := make([]*redis.IntCmd, len(batch))
	for i, m := range batch {
		cmds[i] = pipe.Publish(pctx, m.channel, m.payload)
	}
	_, err := pipe.Exec(pctx)
	if err == nil {
		return nil, nil
	}
	failed := batch[:0]
	for i, c := range cmds {
		if c.Err() != nil {
			failed = append(failed, batch[i])
		}
	}
	return failed, err
}
