package coretools

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/tools"
)

// Bounds of sessions_history, as OpenClaw applies them.
const (
	historyDefaultLimit = 50
	historyMaxLimit     = 500
	historyMaxText      = 4000
	historyMaxBytes     = 80 << 10
	historyTooLarge     = "[sessions_history omitted: message too large]"
)

type historyArgs struct {
	SessionKey   string `json:"sessionKey"`
	Limit        count  `json:"limit"`
	Offset       *count `json:"offset"`
	IncludeTools bool   `json:"includeTools"`
}

func sessionsHistory(opts Options) tools.CoreTool {
	return tools.CoreTool{
		Tool: tools.Tool{
			Name:        "sessions_history",
			Description: "Read the recent transcript of a session (its key from sessions_list, \"main\", or \"current\"). Tool results are left out unless includeTools is true; long texts are cut and secrets redacted.",
			Parameters: params(`
"sessionKey":{"type":"string","description":"Session key from sessions_list, \"main\" or \"current\"."},
"limit":{"type":"number","minimum":1,"description":"Newest messages to return (default 50)."},
"offset":{"type":"number","minimum":0,"description":"Newer messages to skip, to page back: pass the previous nextOffset."},
"includeTools":{"type":"boolean","description":"Include tool calls and tool results."}`, "sessionKey"),
		},
		Run: func(ctx context.Context, call tools.Call, _ func(tools.Progress)) (tools.Result, error) {
			var a historyArgs
			if err := decode(call, &a); err != nil {
				return errorf("%v", err), nil
			}
			return readHistory(ctx, opts, call.Context, a), nil
		},
	}
}

func readHistory(ctx context.Context, opts Options, inv tools.Invocation, a historyArgs) tools.Result {
	acc := newAccess(opts, inv)
	key := acc.resolveKey(a.SessionKey)
	if key == "" {
		return errorf("sessionKey is required (a key from sessions_list, \"main\" or \"current\")")
	}
	if err := acc.check(key); err != nil {
		return errorf("%v", err)
	}
	if a.Limit < 0 || (a.Offset != nil && *a.Offset < 0) {
		return errorf("limit and offset must not be negative")
	}
	sess, err := opts.Sessions.Get(ctx, key)
	if errors.Is(err, sessions.ErrNotFound) {
		return errorf("no session %s; sessions_list shows the keys that exist", key)
	}
	if err != nil {
		return errorf("read session %s: %v", key, err)
	}
	limit := int(a.Limit)
	if limit == 0 {
		limit = historyDefaultLimit
	}
	limit = min(limit, historyMaxLimit)
	offset := 0
	if a.Offset != nil {
		offset = int(*a.Offset)
	}

	// Read newest first so the limit counts visible messages, not tool
	// results that are left out.
	var picked []sessions.Record
	scanned := 0
	for len(picked) < limit {
		batch, err := opts.Sessions.History(ctx, key, sessions.HistoryOptions{Limit: 200, Offset: offset + scanned, Descending: true})
		if err != nil {
			return errorf("read history of %s: %v", key, err)
		}
		for _, r := range batch {
			scanned++
			// Without tools, tool results and assistant messages that
			// only called tools say nothing.
			if !a.IncludeTools && (r.Message.Role == sessions.RoleToolResult || messageText(*r.Message, false) == "") {
				continue
			}
			picked = append(picked, r)
			if len(picked) == limit {
				break
			}
		}
		if len(batch) < 200 {
			break
		}
	}
	more, _ := opts.Sessions.History(ctx, key, sessions.HistoryOptions{Limit: 1, Offset: offset + scanned, Descending: true})

	var (
		rows                      []map[string]any
		size, dropped             int
		contentTrunc, contentRedc bool
	)
	// picked is newest first: keep the newest rows within the byte budget.
	for _, r := range picked {
		row, trunc, red := historyRow(r, a.IncludeTools)
		contentTrunc = contentTrunc || trunc
		contentRedc = contentRedc || red
		data, _ := json.Marshal(row)
		if len(data) > historyMaxBytes {
			row = map[string]any{"role": r.Message.Role, "text": historyTooLarge, "id": r.ID}
			data, _ = json.Marshal(row)
			contentTrunc = true
		}
		if size+len(data) > historyMaxBytes {
			dropped++
			continue
		}
		size += len(data)
		rows = append(rows, row)
	}
	// Oldest first for reading.
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	if rows == nil {
		rows = []map[string]any{}
	}
	res := map[string]any{
		"sessionKey": key, "sessionId": sess.Entry.SessionID, "messages": rows, "count": len(rows),
		"truncated": dropped > 0 || contentTrunc, "droppedMessages": dropped,
		"contentTruncated": contentTrunc, "contentRedacted": contentRedc, "bytes": size,
	}
	if a.Offset != nil {
		res["hasMore"] = len(more) > 0
		if len(more) > 0 {
			res["nextOffset"] = offset + scanned
		}
	}
	return jsonResult(res)
}

// historyRow shapes one transcript message.
func historyRow(r sessions.Record, withTools bool) (row map[string]any, truncated, redacted bool) {
	m := r.Message
	raw := messageText(*m, withTools)
	text := redact(raw)
	redacted = text != raw
	text, truncated, _ = clip(text, historyMaxText)
	row = map[string]any{"role": m.Role, "text": text, "id": r.ID}
	if m.Timestamp != 0 {
		row["timestamp"] = m.Timestamp
	}
	if m.Role == sessions.RoleAssistant && m.Model != "" {
		row["model"] = modelRef(m.Provider, m.Model)
	}
	if m.Role == sessions.RoleToolResult {
		row["toolName"] = m.ToolName
		if m.IsError {
			row["isError"] = true
		}
	}
	if m.ErrorMessage != "" {
		row["error"] = redact(m.ErrorMessage)
	}
	return row, truncated, redacted
}
