package main

import (
	"fmt"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// destination is where a message goes: a user (whose DM channel is opened
// on demand) or a channel (guild channel, thread, DM or group DM channel).
type destination struct {
	userID    string
	channelID string
}

// parseTarget reads the target syntax OpenClaw documents for Discord:
// user:<id> or a <@id> mention for a DM, channel:<id> or <#id> for a
// channel. A bare id is accepted only when the target's kind says what it
// is (dm: a user, group or channel: a channel), because a Discord user id
// and a channel id look alike and sending to the wrong one is silent.
func parseTarget(t pluginsdk.Target) (destination, error) {
	raw := strings.TrimSpace(t.ID)
	id := strings.TrimPrefix(raw, "discord:")
	var d destination
	switch {
	case strings.HasPrefix(id, "user:"):
		d.userID = strings.TrimPrefix(id, "user:")
	case strings.HasPrefix(id, "channel:"):
		d.channelID = strings.TrimPrefix(id, "channel:")
	case strings.HasPrefix(id, "<@") && strings.HasSuffix(id, ">") && !strings.HasPrefix(id, "<@&"):
		d.userID = strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(id, "<@"), ">"), "!")
	case strings.HasPrefix(id, "<#") && strings.HasSuffix(id, ">"):
		d.channelID = strings.TrimSuffix(strings.TrimPrefix(id, "<#"), ">")
	case isSnowflake(id):
		switch t.Kind {
		case pluginsdk.PeerDM:
			d.userID = id
		case pluginsdk.PeerGroup, pluginsdk.PeerChannel:
			d.channelID = id
		default:
			return d, fmt.Errorf("target %q is ambiguous: a bare Discord id may be a user or a channel; use user:<id> or channel:<id>", raw)
		}
	default:
		return d, fmt.Errorf("target %q is not a Discord target; use user:<id> or channel:<id>", raw)
	}
	if d.userID == "" && d.channelID == "" {
		return d, fmt.Errorf("target %q: the id after the prefix is not a Discord id", raw)
	}
	if d.userID != "" && !isSnowflake(d.userID) {
		return d, fmt.Errorf("target %q: user id %q is not a Discord id", raw, d.userID)
	}
	if d.channelID != "" && !isSnowflake(d.channelID) {
		return d, fmt.Errorf("target %q: channel id %q is not a Discord id", raw, d.channelID)
	}
	if d.userID != "" && (t.Kind == pluginsdk.PeerGroup || t.Kind == pluginsdk.PeerChannel) {
		return d, fmt.Errorf("target %q names a user but its kind is %s", raw, t.Kind)
	}
	return d, nil
}

// isSnowflake reports whether s looks like a Discord id: 1 to 20 digits.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
