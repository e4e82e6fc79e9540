package agent

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
)

func call(id, name, args string) sessions.ContentBlock {
	return sessions.ContentBlock{Type: sessions.BlockToolCall, ID: id, Name: name, Arguments: json.RawMessage(args)}
}

func shape(msgs []models.Message) string {
	var out []string
	for _, m := range msgs {
		s := string(m.Role)
		if len(m.ToolCalls) > 0 {
			s += "+" + m.ToolCalls[0].ID
		}
		if m.ToolCallID != "" {
			s += ":" + m.ToolCallID
		}
		if t := m.Text(); t != "" {
			s += "[" + t + "]"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestToModelHistory(t *testing.T) {
	user := func(s string) sessions.Message { return sessions.TextMessage(sessions.RoleUser, s) }
	asst := func(s string, blocks ...sessions.ContentBlock) sessions.Message {
		m := sessions.TextMessage(sessions.RoleAssistant, s)
		m.Content = append(m.Content, blocks...)
		return m
	}
	result := func(id, s string) sessions.Message {
		m := sessions.TextMessage(sessions.RoleToolResult, s)
		m.ToolCallID = id
		return m
	}
	failed := func(stop, s string) sessions.Message {
		m := sessions.TextMessage(sessions.RoleAssistant, s)
		m.StopReason = stop
		return m
	}
	tests := []struct {
		name string
		in   []sessions.Message
		want string
	}{
		{"plain", []sessions.Message{user("hi"), asst("hello")}, "user[hi] assistant[hello]"},
		{"tool round trip", []sessions.Message{user("q"), asst("", call("c1", "t", `{}`)), result("c1", "r"), asst("a")},
			"user[q] assistant+c1 tool:c1[r] assistant[a]"},
		{"missing result is filled in", []sessions.Message{user("q"), asst("", call("c1", "t", `{}`)), user("next")},
			"user[q] assistant+c1 tool:c1[" + interruptedCall + "] user[next]"},
		{"missing result at the end", []sessions.Message{user("q"), asst("", call("c1", "t", `{}`))},
			"user[q] assistant+c1 tool:c1[" + interruptedCall + "]"},
		{"orphan result dropped", []sessions.Message{user("q"), result("zz", "r"), asst("a")}, "user[q] assistant[a]"},
		{"aborted partial becomes a marker", []sessions.Message{user("q"), failed(stopAborted, "half an ans"), user("again")},
			"user[q] assistant[" + interruptedReply + "] user[again]"},
		{"empty error reply skipped, users merged", []sessions.Message{user("q"), failed(stopError, ""), user("again")},
			"user[q\n\nagain]"},
		{"thinking dropped", []sessions.Message{user("q"), {Role: sessions.RoleAssistant, Content: sessions.Content{{Type: sessions.BlockThinking, Thinking: "hmm"}, {Type: sessions.BlockText, Text: "a"}}}},
			"user[q] assistant[a]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shape(toModelHistory(tt.in)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestArgumentsRoundTrip(t *testing.T) {
	tests := []struct{ in, stored, back string }{
		{`{"a":1}`, `{"a":1}`, `{"a":1}`},
		{``, `{}`, `{}`},
		{`{"a":`, `"{\"a\":"`, `{}`},
		{`[1,2]`, `[1,2]`, `{}`},
	}
	for _, tt := range tests {
		stored := storedArguments(tt.in)
		if string(stored) != tt.stored || !json.Valid(stored) {
			t.Errorf("storedArguments(%q) = %s", tt.in, stored)
		}
		if back := argumentsText(stored); back != tt.back {
			t.Errorf("argumentsText(%s) = %s", stored, back)
		}
	}
}

func TestRecords(t *testing.T) {
	resp := &models.Response{Provider: "p", Model: "m", Usage: models.Usage{InputTokens: 3, OutputTokens: 4, CacheReadTokens: 1, Cost: models.Cost{Total: 0.5}}}
	msg := models.Message{Role: models.RoleAssistant, Content: []models.Part{{Type: models.PartThinking, Text: "t"}, models.TextPart("x")},
		ToolCalls: []models.ToolCall{{ID: "c", Name: "n", Arguments: "not json"}}}
	rec := assistantRecord(msg, resp, "api", stopToolUse, "")
	line, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"thinking":"t"`, `"text":"x"`, `"arguments":"not json"`, `"provider":"p"`, `"input":3`, `"cacheRead":1`, `"totalTokens":8`, `"total":0.5`, `"stopReason":"toolUse"`} {
		if !strings.Contains(string(line), want) {
			t.Errorf("record %s lacks %s", line, want)
		}
	}
	u := userRecord("", []Media{{Kind: "image", MimeType: "image/png", Data: []byte{1, 2}}, {Kind: "audio", URL: "u"}})
	if len(u.Content) != 1 || u.Content[0].Type != sessions.BlockImage || u.Content[0].Data != "AQI=" {
		t.Errorf("user record = %+v", u)
	}
	big := json.RawMessage(`{"x":"` + strings.Repeat("a", maxStoredDetails) + `"}`)
	if r := toolResultRecord("c", "n", "out", false, big); r.Details != nil {
		t.Error("oversized details kept")
	}
}
