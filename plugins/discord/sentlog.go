package main

import (
	"context"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// sentLog remembers recent sends by idempotency key, so a Send the gateway
// retries (after a timeout, say) is answered with the first delivery's ids
// instead of posting the chunk twice. Concurrent sends with one key wait for
// the first; a failed send may be tried again.
type sentLog struct {
	calls *recent[string, *sendCall]
}

type sendCall struct {
	done chan struct{}
	res  pluginsdk.SendResult
	err  error
}

// sentLogSize bounds the keys remembered per account.
const sentLogSize = 4096

func newSentLog() *sentLog { return &sentLog{calls: newRecent[string, *sendCall](sentLogSize)} }

func (c *sendCall) failed() bool {
	select {
	case <-c.done:
		return c.err != nil
	default:
		return false
	}
}

// do runs send once per key.
func (l *sentLog) do(ctx context.Context, key string, send func() (pluginsdk.SendResult, error)) (pluginsdk.SendResult, error) {
	if key == "" {
		return send()
	}
	for {
		c, created := l.calls.claim(key, func() *sendCall { return &sendCall{done: make(chan struct{})} }, (*sendCall).failed)
		if created {
			defer close(c.done)
			c.res, c.err = send()
			return c.res, c.err
		}
		select {
		case <-c.done:
			if c.err == nil {
				return c.res, nil
			}
		case <-ctx.Done():
			return pluginsdk.SendResult{}, ctx.Err()
		}
	}
}
