package agent

import (
	"testing"
)

func TestExpandPrefix(t *testing.T) {
	v := PrefixVars{Provider: "anthropic", Model: "claude-opus-4-5", ThinkingLevel: "high", IdentityName: "Sam"}
	tests := []struct {
		tmpl string
		v    PrefixVars
		want string
	}{
		{"🦞", v, "🦞"},
		{"auto", v, "[Sam]"},
		{"auto", PrefixVars{}, ""},
		{"[{model} | think:{thinkingLevel}]", v, "[claude-opus-4-5 | think:high]"},
		{"[{MODEL}|{Think}|{provider}|{modelFull}|{identity.name}]", v, "[claude-opus-4-5|high|anthropic|anthropic/claude-opus-4-5|Sam]"},
		{"[{model}]", PrefixVars{Provider: "openrouter", Model: "meta-llama/llama-3.3"}, "[llama-3.3]"},
		{"{unknown} {model}", PrefixVars{}, "{unknown} {model}"},
		{"{think}", PrefixVars{}, "off"},
	}
	for _, tt := range tests {
		if got := ExpandPrefix(tt.tmpl, tt.v); got != tt.want {
			t.Errorf("ExpandPrefix(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
	if got := applyPrefix("[Sam]", "[Sam] already"); got != "[Sam] already" {
		t.Errorf("prefix doubled: %q", got)
	}
	if got := applyPrefix("", "x"); got != "x" {
		t.Errorf("empty prefix: %q", got)
	}
}

func TestAckReaction(t *testing.T) {
	str := func(s string) *string { return &s }
	mk := func(m MessagesConfig, identity *Identity) *Runner {
		r := &Runner{opts: Options{Messages: m}}
		r.agents, r.defAgent = AgentsConfig{Defaults: AgentDefaults{AgentSettings: AgentSettings{Identity: identity}}}.roster(t.TempDir(), "")
		return r
	}
	tests := []struct {
		name   string
		r      *Runner
		req    AckRequest
		emoji  string
		reacts bool
	}{
		{"default scope: group mention", mk(MessagesConfig{}, nil), AckRequest{ChatType: "group", Mentioned: true}, "👀", true},
		{"default scope: group without mention", mk(MessagesConfig{}, nil), AckRequest{ChatType: "group"}, "", false},
		{"default scope: direct", mk(MessagesConfig{}, nil), AckRequest{ChatType: "direct"}, "", false},
		{"identity emoji", mk(MessagesConfig{}, &Identity{Emoji: "🦥"}), AckRequest{ChatType: "channel", Mentioned: true}, "🦥", true},
		{"configured emoji", mk(MessagesConfig{AckReaction: str("✅")}, &Identity{Emoji: "🦥"}), AckRequest{ChatType: "group", Mentioned: true}, "✅", true},
		{"channel override", mk(MessagesConfig{AckReaction: str("✅")}, nil), AckRequest{ChatType: "group", Mentioned: true, Emoji: str("🔥")}, "🔥", true},
		{"disabled", mk(MessagesConfig{AckReaction: str("")}, nil), AckRequest{ChatType: "group", Mentioned: true}, "", false},
		{"group-all", mk(MessagesConfig{AckReactionScope: "group-all"}, nil), AckRequest{ChatType: "group"}, "👀", true},
		{"direct scope", mk(MessagesConfig{AckReactionScope: "direct"}, nil), AckRequest{ChatType: "direct"}, "👀", true},
		{"direct scope skips groups", mk(MessagesConfig{AckReactionScope: "direct"}, nil), AckRequest{ChatType: "group", Mentioned: true}, "", false},
		{"all", mk(MessagesConfig{AckReactionScope: "all"}, nil), AckRequest{ChatType: "direct"}, "👀", true},
		{"off", mk(MessagesConfig{AckReactionScope: "off"}, nil), AckRequest{ChatType: "group", Mentioned: true}, "", false},
	}
	for _, tt := range tests {
		emoji, ok := tt.r.AckReaction(tt.req)
		if emoji != tt.emoji || ok != tt.reacts {
			t.Errorf("%s: got %q %v, want %q %v", tt.name, emoji, ok, tt.emoji, tt.reacts)
		}
	}
}
