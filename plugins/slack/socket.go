package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// socketPingTimeout is how long Socket Mode may stay silent (no WebSocket
// ping from Slack) before the connection is taken for dead.
const socketPingTimeout = 30 * time.Second

// runSocket serves the account over Socket Mode until ctx ends or the
// connection cannot go on. Envelopes are acknowledged only after the
// gateway accepted their message; an envelope left unacknowledged is
// redelivered by Slack, and the gateway drops the copy it already has.
func (a *account) runSocket(ctx context.Context) error {
	smc := socketmode.New(a.api,
		socketmode.OptionPingInterval(socketPingTimeout),
		socketmode.OptionLog(a.log.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})),
	)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- smc.RunContext(rctx) }()

	for {
		select {
		case err := <-done:
			return a.socketEnded(ctx, err)
		case evt := <-smc.Events:
			if err := a.handleSocketEvent(rctx, smc, evt); err != nil {
				cancel()
				<-done
				a.report(ctx, pluginsdk.StateReconnecting, err.Error())
				return err
			}
		}
	}
}

// socketEnded turns the end of the Socket Mode client into Run's result.
func (a *account) socketEnded(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return nil
	case err == nil:
		return errors.New("slack socket mode stopped")
	case isAuthError(err) || isAuthName(err.Error()):
		err = fmt.Errorf("slack socket mode: the app token was rejected: %w", err)
		a.report(ctx, pluginsdk.StateError, err.Error())
		return pluginsdk.Permanent(err)
	}
	err = fmt.Errorf("slack socket mode: %w", err)
	a.report(ctx, pluginsdk.StateReconnecting, err.Error())
	return err
}

// isAuthName reports whether a bare error text is one of Slack's auth error
// codes (the socket mode client returns them unwrapped).
func isAuthName(s string) bool { return authErrors[s] }

func (a *account) handleSocketEvent(ctx context.Context, smc *socketmode.Client, evt socketmode.Event) error {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.report(ctx, pluginsdk.StateConnected, "")
	case socketmode.EventTypeConnectionError:
		msg := "connection failed"
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok && ce.ErrorObj != nil {
			msg = ce.ErrorObj.Error()
		}
		a.report(ctx, pluginsdk.StateReconnecting, "slack socket mode: "+msg)
	case socketmode.EventTypeInvalidAuth:
		return pluginsdk.Permanent(errors.New("slack socket mode: the app token was rejected"))
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return nil
		}
		if err := a.handleEventPayload(ctx, evt.Request.Payload); err != nil {
			return err
		}
		return a.ack(ctx, smc, evt.Request)
	case socketmode.EventTypeSlashCommand:
		if evt.Request == nil {
			return nil
		}
		if err := a.handleSlashPayload(ctx, evt.Request.Payload); err != nil {
			return err
		}
		return a.ack(ctx, smc, evt.Request)
	case socketmode.EventTypeInteractive:
		// Buttons and modals are not handled; acknowledge so Slack does not
		// show the user an error.
		if evt.Request != nil {
			return a.ack(ctx, smc, evt.Request)
		}
	case socketmode.EventTypeErrorBadMessage, socketmode.EventTypeIncomingError:
		a.log.Debug("socket mode message error", "data", fmt.Sprint(evt.Data))
	}
	return nil
}

func (a *account) ack(ctx context.Context, smc *socketmode.Client, req *socketmode.Request) error {
	if err := smc.AckCtx(ctx, req.EnvelopeID, nil); err != nil && ctx.Err() == nil {
		// Slack will redeliver; the gateway drops the duplicate.
		a.log.Warn("cannot acknowledge envelope", "envelope", req.EnvelopeID, "error", err)
	}
	return nil
}
