package coretools

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
)

// Bounds of sessions_list, as OpenClaw applies them.
const (
	listDefaultLimit  = 100
	listMaxLimit      = 200
	listMaxMessages   = 20
	listMaxResultSize = 64 << 10
)

type listArgs struct {
	Kinds              []string `json:"kinds"`
	Label              string   `json:"label"`
	AgentID            string   `json:"agentId"`
	Search             string   `json:"search"`
	ActiveMinutes      count    `json:"activeMinutes"`
	Limit              count    `json:"limit"`
	Offset             count    `json:"offset"`
	MessageLimit       count    `json:"messageLimit"`
	IncludeLastMessage bool     `json:"includeLastMessage"`
}

func sessionsList(opts Options) tools.CoreTool {
	return tools.CoreTool{
		Tool: tools.Tool{
			Name:        "sessions_list",
			Description: "List sessions (conversations) on this gateway with optional filters: kinds, label, agentId, search, activeMinutes. Use the returned key with sessions_history, sessions_send and session_status.",
			Parameters: params(`
"kinds":{"type":"array","items":{"type":"string","enum":["main","group","cron","hook","node","other"]},"description":"Only sessions of these kinds."},
"label":{"type":"string","description":"Only sessions with exactly this label."},
"agentId":{"type":"string","description":"Only sessions of this agent."},
"search":{"type":"string","description":"Text to find in the key, label, display name or subject."},
"activeMinutes":{"type":"number","minimum":1,"description":"Only sessions updated in the last N minutes."},
"limit":{"type":"number","minimum":1,"description":"Rows per page (default 100, at most 200)."},
"offset":{"type":"number","minimum":0,"description":"Rows to skip: pass the previous page's nextOffset."},
"messageLimit":{"type":"number","minimum":0,"maximum":20,"description":"Include the last N messages of each row (at most 20)."},
"includeLastMessage":{"type":"boolean","description":"Include each row's last message."}`),
		},
		Run: func(ctx context.Context, call tools.Call, _ func(tools.Progress)) (tools.Result, error) {
			var a listArgs
			if err := decode(call, &a); err != nil {
				return errorf("%v", err), nil
			}
			return listSessions(ctx, opts, call.Context, a), nil
		},
	}
}

func listSessions(ctx context.Context, opts Options, inv tools.Invocation, a listArgs) tools.Result {
	acc := newAccess(opts, inv)
	for _, k := range a.Kinds {
		switch k {
		case KindMain, KindGroup, KindCron, KindHook, KindNode, KindOther:
		default:
			return errorf("kinds: %q is not one of main, group, cron, hook, node, other", k)
		}
	}
	if a.Limit < 0 || a.Offset < 0 || a.ActiveMinutes < 0 || a.MessageLimit < 0 {
		return errorf("limit, offset, activeMinutes and messageLimit must not be negative")
	}
	limit := int(a.Limit)
	if limit == 0 {
		limit = listDefaultLimit
	}
	applied := min(limit, listMaxLimit)
	msgs := min(int(a.MessageLimit), listMaxMessages)
	if a.IncludeLastMessage && msgs == 0 {
		msgs = 1
	}

	all, err := opts.Sessions.List(ctx, sessions.ListOptions{
		AgentID: strings.TrimSpace(a.AgentID), ActiveWithin: time.Duration(a.ActiveMinutes) * time.Minute,
	})
	if err != nil {
		return errorf("list sessions: %v", err)
	}
	search := strings.ToLower(strings.TrimSpace(a.Search))
	var visible []sessions.Session
	for _, s := range all {
		if acc.check(s.Key) != nil {
			continue
		}
		kind := kindOf(s.Key, s.Entry)
		if len(a.Kinds) > 0 && !contains(a.Kinds, kind) {
			continue
		}
		if a.Label != "" && s.Entry.Label != a.Label {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(strings.Join([]string{s.Key, s.Entry.Label, s.Entry.DisplayName, s.Entry.Subject}, "\n")), search) {
			continue
		}
		visible = append(visible, s)
	}

	offset := min(int(a.Offset), len(visible))
	page := visible[offset:]
	end := min(len(page), applied)
	rows := make([]map[string]any, 0, end)
	size := 0
	truncation := ""
	for _, s := range page[:end] {
		row := sessionRow(s, kindOf(s.Key, s.Entry))
		if msgs > 0 {
			if recent, err := opts.Sessions.History(ctx, s.Key, sessions.HistoryOptions{Limit: msgs, Descending: true}); err == nil {
				out := make([]map[string]any, 0, len(recent))
				for i := len(recent) - 1; i >= 0; i-- {
					out = append(out, previewMessage(recent[i]))
				}
				if a.IncludeLastMessage && len(out) > 0 {
					row["lastMessage"] = out[len(out)-1]
				}
				if a.MessageLimit > 0 {
					row["messages"] = out
				}
			}
		}
		data, _ := json.Marshal(row)
		if size+len(data) > listMaxResultSize && len(rows) > 0 {
			truncation = "byte-limit"
			break
		}
		size += len(data)
		rows = append(rows, row)
	}
	next := offset + len(rows)
	res := map[string]any{
		"count": len(rows), "sessions": rows, "limitApplied": applied,
		"hasMore": next < len(visible),
	}
	if next < len(visible) {
		res["nextOffset"] = next
	}
	if truncation != "" {
		res["truncationReason"] = truncation
	}
	if acc.visibility != VisibilityAll {
		res["visibility"] = map[string]any{"mode": acc.visibility, "note": "sessions outside this scope are omitted (tools.sessions.visibility)"}
	}
	return jsonResult(res)
}

// sessionRow is a session's metadata as sessions_list shows it.
func sessionRow(s sessions.Session, kind string) map[string]any {
	e := s.Entry
	row := map[string]any{
		"key": s.Key, "sessionId": e.SessionID, "kind": kind, "updatedAt": e.UpdatedAt,
	}
	if a := agentOf(s.Key); a != "" {
		row["agentId"] = a
	}
	for k, v := range map[string]string{
		"channel": e.Channel, "chatType": e.ChatType, "accountId": e.AccountID, "label": e.Label,
		"displayName": e.DisplayName, "subject": e.Subject,
	} {
		if v != "" {
			row[k] = v
		}
	}
	if e.ModelOverride != "" {
		row["model"] = modelRef(e.ProviderOverride, e.ModelOverride)
	}
	for k, v := range map[string]int64{
		"messageCount": e.MessageCount, "inputTokens": e.InputTokens, "outputTokens": e.OutputTokens,
		"totalTokens": e.TotalTokens, "contextTokens": e.ContextTokens,
	} {
		if v != 0 {
			row[k] = v
		}
	}
	return row
}

func previewMessage(r sessions.Record) map[string]any {
	m := r.Message
	text, truncated, _ := clip(redact(messageText(*m, false)), 500)
	out := map[string]any{"role": m.Role, "text": text}
	if truncated {
		out["truncated"] = true
	}
	if m.Timestamp != 0 {
		out["timestamp"] = m.Timestamp
	}
	return out
}

func modelRef(provider, model string) string {
	if provider == "" || strings.Contains(model, "/") {
		return model
	}
	return provider + "/" + model
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
