package sessions

import (
	"encoding/json"
	"strings"
	"testing"
)

func intp(v int) *int { return &v }

func TestConfigDecodeAndValidate(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr []string
	}{
		{"empty", `{}`, nil},
		{"documented example", `{
			"dmScope": "per-channel-peer", "groupScope": "per-group",
			"identityLinks": {"alice": ["telegram:123", "discord:987"]},
			"reset": {"mode": "daily", "atHour": 4, "idleMinutes": 60},
			"resetByType": {"thread": {"mode": "daily", "atHour": 4}, "direct": {"mode": "idle", "idleMinutes": 240}, "group": {"mode": "idle", "idleMinutes": 120}},
			"resetByChannel": {"discord": {"mode": "idle", "idleMinutes": 30}},
			"resetTriggers": ["/new", "/reset"],
			"store": "~/.openclaw/agents/{agentId}/sessions/sessions.json"}`, nil},
		{"bad dmScope", `{"dmScope": "per-user"}`, []string{`session.dmScope: "per-user"`}},
		{"bad groupScope", `{"groupScope": "global"}`, []string{"session.groupScope"}},
		{"bad mode and hour", `{"reset": {"mode": "weekly", "atHour": 24}}`, []string{"session.reset.mode", "session.reset.atHour: 24"}},
		{"idle without minutes", `{"reset": {"mode": "idle"}}`, []string{"session.reset.idleMinutes: mode idle needs"}},
		{"legacy dm type", `{"resetByType": {"dm": {"mode": "idle", "idleMinutes": 5}}}`, []string{`session.resetByType.dm: renamed to "direct"`}},
		{"unknown type", `{"resetByType": {"room": {"mode": "none"}}}`, []string{"session.resetByType.room: unknown session type"}},
		{"bad channel policy", `{"resetByChannel": {"discord": {"idleMinutes": -1}}}`, []string{"session.resetByChannel.discord.idleMinutes: -1 is negative"}},
		{"empty trigger", `{"resetTriggers": [" "]}`, []string{"session.resetTriggers[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			if err := json.Unmarshal([]byte(tt.json), &c); err != nil {
				t.Fatalf("decode: %v", err)
			}
			err := c.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestResetPolicyFor(t *testing.T) {
	c := Config{
		Reset:          &ResetPolicy{Mode: ResetDaily, AtHour: intp(4)},
		ResetByType:    map[string]ResetPolicy{"group": {Mode: ResetIdle, IdleMinutes: 120}, "thread": {Mode: ResetDaily, AtHour: intp(6)}},
		ResetByChannel: map[string]ResetPolicy{"discord": {Mode: ResetIdle, IdleMinutes: 10080}},
	}
	tests := []struct {
		key      string
		wantMode string
		wantIdle int
		wantHour int
	}{
		{"agent:main:main", ResetDaily, 0, 4},
		{"agent:main:telegram:direct:1", ResetDaily, 0, 4},
		{"agent:main:telegram:group:1", ResetIdle, 120, -1},
		{"agent:main:telegram:group:1:topic:2", ResetDaily, 0, 6},
		{"agent:main:discord:channel:1", ResetIdle, 10080, -1},
		{"agent:main:discord:channel:1:thread:9", ResetIdle, 10080, -1},
		{"agent:main:discord:direct:1", ResetIdle, 10080, -1},
	}
	for _, tt := range tests {
		p := c.ResetPolicyFor(tt.key)
		hour := -1
		if p.AtHour != nil {
			hour = *p.AtHour
		}
		if p.Mode != tt.wantMode || p.IdleMinutes != tt.wantIdle || hour != tt.wantHour {
			t.Errorf("ResetPolicyFor(%q) = %+v (hour %d), want mode %s idle %d hour %d", tt.key, p, hour, tt.wantMode, tt.wantIdle, tt.wantHour)
		}
	}
	if p := (Config{}).ResetPolicyFor("agent:main:main"); p.Mode != ResetNone {
		t.Errorf("default policy = %+v, want none", p)
	}
}

func TestResetTrigger(t *testing.T) {
	tests := []struct {
		triggers []string
		text     string
		rest     string
		ok       bool
	}{
		{nil, "/new", "", true},
		{nil, "/reset", "", true},
		{nil, "  /NEW gpt-5 please", "gpt-5 please", true},
		{nil, "/new@MyBot hello", "hello", true},
		{nil, "/new\nfirst line\nsecond", "first line\nsecond", true},
		{nil, "/newer", "", false},
		{nil, "please /new", "", false},
		{nil, "hello", "", false},
		{[]string{"/tell"}, "/tell me", "me", true},
		{[]string{"/tell"}, "/new", "", false},
	}
	for _, tt := range tests {
		rest, ok := Config{ResetTriggers: tt.triggers}.ResetTrigger(tt.text)
		if ok != tt.ok || rest != tt.rest {
			t.Errorf("ResetTrigger(%v, %q) = %q, %v; want %q, %v", tt.triggers, tt.text, rest, ok, tt.rest, tt.ok)
		}
	}
}
