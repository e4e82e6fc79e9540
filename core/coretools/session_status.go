package coretools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
)

type statusArgs struct {
	SessionKey string `json:"sessionKey"`
	Model      string `json:"model"`
}

func sessionStatus(opts Options) tools.CoreTool {
	return tools.CoreTool{
		Tool: tools.Tool{
			Name:        "session_status",
			Description: "Show a /status-style card for the current session (or another visible one): model, tokens, messages, last activity, whether a run is active. Pass model to set this session's model (\"default\" clears the override).",
			Parameters: params(`
"sessionKey":{"type":"string","description":"Session key; \"current\" (default) is the session you are in."},
"model":{"type":"string","description":"Set the session's model (provider/model or alias); \"default\" clears the override."}`),
		},
		Run: func(ctx context.Context, call tools.Call, _ func(tools.Progress)) (tools.Result, error) {
			var a statusArgs
			if err := decode(call, &a); err != nil {
				return errorf("%v", err), nil
			}
			return status(ctx, opts, call.Context, a), nil
		},
	}
}

func status(ctx context.Context, opts Options, inv tools.Invocation, a statusArgs) tools.Result {
	acc := newAccess(opts, inv)
	key := acc.resolveKey(a.SessionKey)
	if key == "" {
		return errorf("no current session; pass sessionKey")
	}
	if err := acc.check(key); err != nil {
		return errorf("%v", err)
	}
	sess, err := opts.Sessions.Get(ctx, key)
	if errors.Is(err, sessions.ErrNotFound) {
		return errorf("no session %s; sessions_list shows the keys that exist", key)
	}
	if err != nil {
		return errorf("read session %s: %v", key, err)
	}
	changed := ""
	if m := strings.TrimSpace(a.Model); m != "" {
		if sess, changed, err = setModel(ctx, opts, key, m); err != nil {
			return errorf("%v", err)
		}
	}
	e := sess.Entry
	now := opts.Now()
	model := "agent default"
	if e.ModelOverride != "" {
		model = modelRef(e.ProviderOverride, e.ModelOverride) + " (session override)"
	}
	details := map[string]any{
		"sessionKey": key, "sessionId": e.SessionID, "kind": kindOf(key, e), "model": model,
		"messageCount": e.MessageCount, "compactionCount": e.CompactionCount,
		"inputTokens": e.InputTokens, "outputTokens": e.OutputTokens, "totalTokens": e.TotalTokens, "contextTokens": e.ContextTokens,
		"updatedAt": ms(e.UpdatedAt), "startedAt": ms(e.SessionStartedAt),
	}
	if a := agentOf(key); a != "" {
		details["agentId"] = a
	}
	var route map[string]any
	if e.Channel != "" {
		route = map[string]any{"channel": e.Channel, "chatType": e.ChatType, "accountId": e.AccountID}
		details["origin"] = route
	}
	for k, v := range map[string]string{"label": e.Label, "thinkingLevel": e.ThinkingLevel, "verboseLevel": e.VerboseLevel} {
		if v != "" {
			details[k] = v
		}
	}
	if opts.Runner != nil {
		if runID, ok := opts.Runner.ActiveRun(key); ok {
			details["activeRun"] = runID
		}
	}
	if changed != "" {
		details["modelChanged"] = changed
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Session: %s (id %s)\n", key, e.SessionID)
	if ag := agentOf(key); ag != "" {
		fmt.Fprintf(&b, "Agent: %s · kind %s\n", ag, kindOf(key, e))
	}
	if e.Channel != "" {
		fmt.Fprintf(&b, "Channel: %s", e.Channel)
		if e.ChatType != "" {
			fmt.Fprintf(&b, " (%s)", e.ChatType)
		}
		if e.AccountID != "" {
			fmt.Fprintf(&b, " · account %s", e.AccountID)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Model: %s\n", model)
	if changed != "" {
		fmt.Fprintf(&b, "Model changed: %s\n", changed)
	}
	fmt.Fprintf(&b, "Tokens: %d in · %d out · context %d\n", e.InputTokens, e.OutputTokens, e.ContextTokens)
	fmt.Fprintf(&b, "Messages: %d · compactions: %d\n", e.MessageCount, e.CompactionCount)
	if e.UpdatedAt > 0 {
		at := time.UnixMilli(e.UpdatedAt)
		fmt.Fprintf(&b, "Last activity: %s (%s ago)\n", at.UTC().Format(time.RFC3339), now.Sub(at).Round(time.Second))
	}
	if r, ok := details["activeRun"]; ok {
		fmt.Fprintf(&b, "Active run: %s\n", r)
	} else if opts.Runner != nil {
		b.WriteString("Active run: none\n")
	}
	if route != nil {
		b.WriteString("Route context: " + string(jsonResult(route).Details) + "\n")
	}
	return tools.Result{Content: strings.TrimRight(b.String(), "\n"), Details: jsonResult(details).Details}
}

// setModel sets or clears a session's model override.
func setModel(ctx context.Context, opts Options, key, ref string) (sessions.Session, string, error) {
	clear := strings.EqualFold(ref, "default")
	var provider, model string
	if !clear {
		if opts.SetModel == nil {
			return sessions.Session{}, "", errors.New("changing the model is not available here; ask the user to use /model")
		}
		var err error
		if provider, model, err = opts.SetModel(agentOf(key), ref); err != nil {
			return sessions.Session{}, "", fmt.Errorf("model %q: %v", ref, err)
		}
	}
	sess, err := opts.Sessions.Update(ctx, key, func(e *sessions.Entry) error {
		e.ProviderOverride, e.ModelOverride = provider, model
		return nil
	})
	if err != nil {
		return sessions.Session{}, "", fmt.Errorf("set model of %s: %v", key, err)
	}
	if clear {
		return sess, "cleared; the agent's default model applies", nil
	}
	return sess, modelRef(provider, model), nil
}
