package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// maxEventBody bounds a request body; Slack's payloads are far smaller.
const maxEventBody = 1 << 20

// runHTTP serves the Events API and slash commands over HTTP (Slack's
// "Request URLs") on webhookHost:webhookPort at webhookPath, until ctx ends.
// The gateway does not route plugin HTTP paths, so the plugin listens
// itself; a reverse proxy publishes the path. A request is answered 200
// only after the gateway accepted its message, so Slack retries it
// otherwise.
func (a *account) runHTTP(ctx context.Context) error {
	addr := net.JoinHostPort(a.cfg.WebhookHost, strconv.Itoa(a.cfg.WebhookPort))
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		err = fmt.Errorf("slack http mode: listen on %s: %w", addr, err)
		a.report(ctx, pluginsdk.StateReconnecting, err.Error())
		return err
	}
	return a.serveHTTP(ctx, ln)
}

func (a *account) serveHTTP(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle(a.cfg.WebhookPath, a.eventsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	a.log.Info("serving Slack events over HTTP", "addr", ln.Addr().String(), "path", a.cfg.WebhookPath)
	a.report(ctx, pluginsdk.StateConnected, "")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	case err := <-errc:
		err = fmt.Errorf("slack http mode: %w", err)
		a.report(ctx, pluginsdk.StateReconnecting, err.Error())
		return err
	}
}

// eventsHandler checks Slack's request signature, then routes by payload:
// url_verification, event_callback (JSON) or a slash command (form).
func (a *account) eventsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBody))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		sv, err := slack.NewSecretsVerifier(r.Header, string(a.cfg.SigningSecret))
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			a.log.Warn("rejected a request with a bad Slack signature", "remote", r.RemoteAddr, "error", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}

		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			a.serveForm(w, r.Context(), body)
			return
		}
		var cb eventCallback
		if err := json.Unmarshal(body, &cb); err != nil {
			http.Error(w, "bad JSON", http.StatusBadRequest)
			return
		}
		if cb.Type == "url_verification" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, cb.Challenge)
			return
		}
		if err := a.handleEventPayload(r.Context(), body); err != nil {
			a.log.Warn("event not accepted; Slack will retry", "event_id", cb.EventID, "error", err)
			http.Error(w, "not accepted", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// serveForm handles slash commands; interactive payloads (payload=…) are
// acknowledged and otherwise ignored.
func (a *account) serveForm(w http.ResponseWriter, ctx context.Context, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if form.Get("command") == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	cmd := slashCommand{
		Command: form.Get("command"), Text: form.Get("text"), UserID: form.Get("user_id"), UserName: form.Get("user_name"),
		ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"), TeamID: form.Get("team_id"),
		TriggerID: form.Get("trigger_id"), ResponseURL: form.Get("response_url"),
	}
	if err := a.handleSlash(ctx, cmd); err != nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		a.log.Warn("slash command not accepted", "command", cmd.Command, "error", err)
		http.Error(w, "not accepted", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}
