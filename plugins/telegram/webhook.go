package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/mymmrac/telego"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// maxUpdateBody bounds a webhook request; updates are small JSON objects.
const maxUpdateBody = 8 << 20

// serveWebhook runs the account in webhook mode: it listens, registers the
// webhook with Telegram, and answers each delivery 200 only once the
// gateway accepted the message, so Telegram redelivers anything else.
func (a *account) serveWebhook(ctx context.Context) error {
	wh := a.s.webhook
	ln, err := net.Listen("tcp", wh.addr)
	if err != nil {
		return fmt.Errorf("webhook listener: %w", err)
	}
	var degraded atomic.Bool
	srv := &http.Server{
		Handler:           a.webhookHandler(&degraded),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()

	// Register only once the listener is up, so the first delivery finds it.
	if err := a.setWebhook(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if isUnauthorized(err) {
			return pluginsdk.Permanent(errors.New("setWebhook returned 401 Unauthorized: Telegram rejected the bot token"))
		}
		return fmt.Errorf("setWebhook: %s", describe(err))
	}
	a.log.Info("webhook registered", "listen", wh.addr, "path", wh.path)
	a.report(ctx, pluginsdk.StateConnected, nil)
	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		return fmt.Errorf("webhook listener stopped: %w", err)
	}
}

func (a *account) setWebhook(ctx context.Context) error {
	wh := a.s.webhook
	return a.s.retry.do(ctx, func(ctx context.Context) error {
		params := &telego.SetWebhookParams{URL: wh.url, SecretToken: wh.secret, AllowedUpdates: allowedUpdates}
		if wh.certPath != "" {
			f, err := os.Open(wh.certPath)
			if err != nil {
				return fmt.Errorf("webhookCertPath: %w", err)
			}
			defer f.Close()
			params.Certificate = &telego.InputFile{File: f}
		}
		return withTimeout(ctx, callTimeout, func(ctx context.Context) error {
			return a.bot.SetWebhook(ctx, params)
		})
	})
}

func (a *account) webhookHandler(degraded *atomic.Bool) http.Handler {
	wh := a.s.webhook
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case healthPath:
			_, _ = io.WriteString(w, "ok\n")
			return
		case wh.path:
		default:
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(wh.secret)) != 1 {
			a.log.Warn("refused a webhook call without the right secret token", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdateBody+1))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		if len(body) > maxUpdateBody {
			http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
			return
		}
		var u telego.Update
		if err := json.Unmarshal(body, &u); err != nil {
			http.Error(w, "body is not a Telegram update", http.StatusBadRequest)
			return
		}
		err = a.handle(r.Context(), u, func(ctx context.Context, in inbound) error {
			_, err := a.host.Emit(ctx, in.msg)
			return err
		})
		if err != nil {
			a.log.Warn("the gateway did not accept a webhook update; Telegram will redeliver it", "update", u.UpdateID, "error", err)
			if !degraded.Swap(true) {
				a.report(r.Context(), pluginsdk.StateReconnecting, fmt.Errorf("gateway did not accept update %d: %w", u.UpdateID, err))
			}
			http.Error(w, "not accepted", http.StatusServiceUnavailable)
			return
		}
		if degraded.Swap(false) {
			a.report(r.Context(), pluginsdk.StateConnected, nil)
		}
		w.Header().Set("X-Openclaw-Delivery-Accepted", "durable")
		w.WriteHeader(http.StatusOK)
	})
}
