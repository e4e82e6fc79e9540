package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// destination is where a message goes: a chat and, in forums, a topic.
type destination struct {
	chat   telego.ChatID
	thread int
}

var publicUsername = regexp.MustCompile(`^@[A-Za-z][A-Za-z0-9_]{3,31}$`)

// parseTarget reads the target forms OpenClaw documents for Telegram: a
// numeric chat id (123456789, -1001234567890), a public @username of a
// group or channel, and <chat id>:topic:<thread id>, each optionally
// prefixed with telegram: or tg:, and user:/group:/channel:/chat:.
// threadID, when set, names the topic and wins over the target's.
func parseTarget(t pluginsdk.Target, threadID string) (destination, error) {
	raw := strings.TrimSpace(t.ID)
	id := raw
	for _, p := range []string{"telegram:", "tg:"} {
		if len(id) >= len(p) && strings.EqualFold(id[:len(p)], p) {
			id = id[len(p):]
		}
	}
	kind := ""
	if k, rest, ok := strings.Cut(id, ":"); ok && oneOf(strings.ToLower(k), "user", "group", "channel", "chat") {
		kind, id = strings.ToLower(k), rest
	}
	var d destination
	if chat, topic, ok := strings.Cut(id, ":topic:"); ok {
		n, err := strconv.Atoi(topic)
		if err != nil || n <= 0 {
			return d, fmt.Errorf("telegram target %q: topic %q is not a thread id", raw, topic)
		}
		id, d.thread = chat, n
	}
	switch {
	case id == "":
		return d, fmt.Errorf("telegram target is empty: give a chat id such as 123456789 or -1001234567890")
	case strings.HasPrefix(id, "@"):
		if kind == "user" {
			return d, fmt.Errorf("telegram target %q: bots cannot message a user by @username; use the numeric user id", raw)
		}
		if !publicUsername.MatchString(id) {
			return d, fmt.Errorf("telegram target %q: %q is not a Telegram username", raw, id)
		}
		d.chat = telego.ChatID{Username: id}
	default:
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n == 0 {
			return d, fmt.Errorf("telegram target %q is not a chat id (123456789, -1001234567890), an @username or <chat id>:topic:<thread id>", raw)
		}
		if kind == "user" && n < 0 {
			return d, fmt.Errorf("telegram target %q: user ids are positive; %d is a group or channel", raw, n)
		}
		d.chat = telego.ChatID{ID: n}
	}
	if threadID = strings.TrimSpace(threadID); threadID != "" {
		n, err := strconv.Atoi(threadID)
		if err != nil || n <= 0 {
			return d, fmt.Errorf("telegram thread id %q is not a topic id", threadID)
		}
		d.thread = n
	}
	// Telegram refuses message_thread_id=1, the General topic: messages
	// for it go to the chat without a thread.
	if strconv.Itoa(d.thread) == generalTopic {
		d.thread = 0
	}
	return d, nil
}
