package agent

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// command answers an authorised sender's slash command. handled reports
// that the message needs nothing more; otherwise rest is the text to go on
// with (the message itself, or what followed /new).
func (r *Runner) command(ctx context.Context, p *profile, in Inbound, deliver func(context.Context, Reply) error) (handled bool, rest string) {
	text := strings.TrimSpace(in.Text)
	if !strings.HasPrefix(text, "/") {
		return false, in.Text
	}
	reply := func(msg string, isErr bool) {
		rep := Reply{SessionKey: in.SessionKey, Text: applyPrefix(r.prefixFor(p, in.ResponsePrefix, nil), msg), IsError: isErr, ReplyTo: in.ReplyTo, ThreadID: in.ThreadID}
		if err := deliver(ctx, rep); err != nil {
			r.log.Warn("command reply delivery failed", "session", in.SessionKey, "error", err)
		}
	}
	if after, ok := r.resetCfg.ResetTrigger(text); ok {
		r.Abort(in.SessionKey)
		sess, err := r.opts.Sessions.Reset(context.WithoutCancel(ctx), in.SessionKey)
		if err != nil {
			r.log.Error("session reset failed", "session", in.SessionKey, "error", err)
			reply("⚠️ Could not start a new session. The gateway log has the details.", true)
			return true, ""
		}
		r.log.Info("session reset by command", "session", in.SessionKey, "sessionId", sess.Entry.SessionID)
		if after != "" {
			// "/new <message>": the message opens the new session.
			return false, after
		}
		reply("✅ New session started · model: "+r.currentModel(p, sess.Entry).ref, false)
		return true, ""
	}
	name, args, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i] // "/status@SomeBot" in Telegram groups
	}
	args = strings.TrimSpace(args)
	switch strings.ToLower(name) {
	case "status":
		reply(r.status(ctx, p, in), false)
	case "model":
		msg, isErr := r.modelCommand(ctx, p, in, args)
		reply(msg, isErr)
	case "models":
		msg, isErr := r.modelCommand(ctx, p, in, "list")
		reply(msg, isErr)
	case "stop", "abort":
		if r.Abort(in.SessionKey) {
			reply("⏹️ Stopped.", false)
		} else {
			reply("Nothing is running.", false)
		}
	default:
		return false, in.Text
	}
	return true, ""
}

// modelChoice is the model a session uses and why.
type modelChoice struct {
	ref    string
	source string // "session override", "default", "not configured"
}

func (r *Runner) currentModel(p *profile, e sessions.Entry) modelChoice {
	if e.ModelOverride != "" {
		ref := e.ModelOverride
		if e.ProviderOverride != "" {
			ref = e.ProviderOverride + "/" + e.ModelOverride
		}
		return modelChoice{ref: ref, source: "session override"}
	}
	chain, err := r.opts.Router.Chain(models.Route{Agent: p.models})
	if err != nil || len(chain) == 0 {
		return modelChoice{ref: "none", source: "not configured"}
	}
	return modelChoice{ref: chain[0].String(), source: "default"}
}

// session returns the command's session, starting one if needed.
func (r *Runner) session(ctx context.Context, in Inbound) (sessions.Session, error) {
	sess, err := r.opts.Sessions.Get(ctx, in.SessionKey)
	if errors.Is(err, sessions.ErrNotFound) {
		sess, _, err = r.opts.Sessions.Begin(ctx, in.SessionKey, sessions.BeginOptions{
			ChatType: in.ChatType, Channel: in.Channel, AccountID: in.AccountID, System: true,
		})
	}
	return sess, err
}

func (r *Runner) modelCommand(ctx context.Context, p *profile, in Inbound, args string) (string, bool) {
	// Scope flags: only the session scope is offered from chat.
	var words []string
	for _, w := range strings.Fields(args) {
		switch w {
		case "-s", "--session":
		case "-a", "--agent", "-g", "--global":
			return "Changing the configured default from chat is not supported; edit agents.defaults.model (or the agent's model) in the config. /model <model> changes this session.", true
		default:
			words = append(words, w)
		}
	}
	sess, err := r.session(ctx, in)
	if err != nil {
		r.log.Error("model command: session unavailable", "session", in.SessionKey, "error", err)
		return "⚠️ The session store is unavailable. The gateway log has the details.", true
	}
	cur := r.currentModel(p, sess.Entry)
	if len(words) == 0 || words[0] == "status" {
		return fmt.Sprintf("Model: %s (%s)\nChange it for this session with /model <provider/model or alias>; /model default goes back to the configured model; /model list shows the choices.", cur.ref, cur.source), false
	}
	arg := words[0]
	switch strings.ToLower(arg) {
	case "list":
		return r.modelList(p), false
	case "default", "reset", "clear":
		if _, err := r.opts.Sessions.Update(ctx, in.SessionKey, func(e *sessions.Entry) error {
			e.ProviderOverride, e.ModelOverride, e.AuthProfileOverride = "", "", ""
			return nil
		}); err != nil {
			r.log.Error("model command: update failed", "session", in.SessionKey, "error", err)
			return "⚠️ Could not change the model. The gateway log has the details.", true
		}
		def := r.currentModel(p, sessions.Entry{})
		return "Model reset to the configured default: " + def.ref + ".", false
	}
	info, err := r.opts.Router.Model(arg, p.models)
	if err != nil {
		return fmt.Sprintf("Unknown model %q: %v", arg, err), true
	}
	ref := info.Ref()
	if allowed := p.settings.Models; len(allowed) > 0 && !modelAllowed(allowed, info) {
		return fmt.Sprintf("Model %s is not offered to this agent; the allowed models are listed under agents.defaults.models (/model list).", ref), true
	}
	if _, err := r.opts.Sessions.Update(ctx, in.SessionKey, func(e *sessions.Entry) error {
		e.ProviderOverride, e.ModelOverride = info.Provider, info.ID
		return nil
	}); err != nil {
		r.log.Error("model command: update failed", "session", in.SessionKey, "error", err)
		return "⚠️ Could not change the model. The gateway log has the details.", true
	}
	if _, err := r.opts.Sessions.AppendRecords(ctx, in.SessionKey, sessions.Record{
		Type: sessions.RecordModelChange, Provider: info.Provider, ModelID: info.ID,
	}); err != nil {
		r.log.Warn("model change not recorded in transcript", "session", in.SessionKey, "error", err)
	}
	return "Model set to " + ref + " for this session.", false
}

// modelAllowed checks a model against agents.defaults.models, which is
// also the /model allowlist; "provider/*" allows a whole provider.
func modelAllowed(allowed map[string]models.ModelEntry, info models.ModelInfo) bool {
	for k := range allowed {
		if strings.EqualFold(k, info.Ref()) || strings.EqualFold(k, info.Provider+"/*") {
			return true
		}
	}
	return false
}

func (r *Runner) modelList(p *profile) string {
	var refs []string
	if allowed := p.settings.Models; len(allowed) > 0 {
		for ref, e := range allowed {
			if e.Alias != "" {
				ref += " (" + e.Alias + ")"
			}
			refs = append(refs, ref)
		}
	} else {
		for _, m := range r.opts.Router.Catalog() {
			refs = append(refs, m.Ref())
		}
	}
	if len(refs) == 0 {
		return "No models are configured. Set OPENAI_API_KEY or ANTHROPIC_API_KEY, or add a provider under models.providers."
	}
	sort.Strings(refs)
	return "Models:\n- " + strings.Join(refs, "\n- ")
}

// status describes the session for /status.
func (r *Runner) status(ctx context.Context, p *profile, in Inbound) string {
	var b strings.Builder
	b.WriteString("🦞 OpenClaw status\n")
	name := r.identityName(p)
	if name != "" {
		fmt.Fprintf(&b, "Agent: %s (%s)\n", p.id, name)
	} else {
		fmt.Fprintf(&b, "Agent: %s\n", p.id)
	}
	sess, err := r.session(ctx, in)
	if err != nil {
		fmt.Fprintf(&b, "Session: %s (unavailable)\n", in.SessionKey)
	} else {
		fmt.Fprintf(&b, "Session: %s (id %s)\n", in.SessionKey, sess.Entry.SessionID)
	}
	e := sess.Entry
	cur := r.currentModel(p, e)
	fmt.Fprintf(&b, "Model: %s (%s)\n", cur.ref, cur.source)
	fmt.Fprintf(&b, "Tokens: %s in · %s out · %s total\n", thousands(e.InputTokens), thousands(e.OutputTokens), thousands(e.TotalTokens))
	window := 0
	if cur.ref != "none" {
		if info, err := r.opts.Router.Model(cur.ref, p.models); err == nil {
			window = info.ContextWindow
		}
	}
	if window > 0 {
		fmt.Fprintf(&b, "Context: %s of %s tokens (%d%%)\n", thousands(e.ContextTokens), thousands(int64(window)), e.ContextTokens*100/int64(window))
	} else {
		fmt.Fprintf(&b, "Context: %s tokens (window unknown)\n", thousands(e.ContextTokens))
	}
	mode := r.queueMode(in.Channel)
	drop := r.opts.Messages.Queue.Drop
	if drop == "" {
		drop = "summarize"
	}
	limit := r.opts.Messages.Queue.Cap
	if limit <= 0 {
		limit = DefaultQueueCap
	}
	fmt.Fprintf(&b, "Queue: %s (debounce %s, cap %d, drop %s)\n", mode, r.queueDebounce(in.Channel), limit, drop)
	r.mu.Lock()
	running, waiting := false, 0
	if ln, ok := r.lanes[in.SessionKey]; ok {
		running, waiting = ln.active != nil, len(ln.pending)
	}
	r.mu.Unlock()
	fmt.Fprintf(&b, "Running: %s · waiting: %d", yesNo(running), waiting)
	return b.String()
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
