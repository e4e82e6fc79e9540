package routing

import "strings"

// senderAllowed reports whether an allowlist admits the sender. Entries are
// ids, optionally prefixed with the channel ("telegram:123", "tg:123") or
// "user:"; "*" admits everyone. Usernames ("@alice") and display names match
// only when names is set, since senders can change them.
func senderAllowed(list []string, channel string, msg *Inbound, names bool) bool {
	id := strings.ToLower(strings.TrimSpace(msg.SenderID))
	for _, raw := range list {
		e := strings.TrimSpace(raw)
		if e == "*" {
			return true
		}
		e = strings.ToLower(stripSenderPrefix(e, channel))
		if e == "" {
			continue
		}
		if id != "" && e == id {
			return true
		}
		if !names {
			continue
		}
		user := strings.ToLower(strings.TrimPrefix(msg.SenderUsername, "@"))
		if user != "" && strings.TrimPrefix(e, "@") == user {
			return true
		}
		if name := strings.ToLower(strings.TrimSpace(msg.SenderName)); name != "" && e == name {
			return true
		}
	}
	return false
}

// stripSenderPrefix removes the provider and kind prefixes an allowlist
// entry may carry.
func stripSenderPrefix(e, channel string) string {
	for _, p := range senderPrefixes(channel) {
		if len(e) > len(p) && strings.EqualFold(e[:len(p)], p) {
			e = e[len(p):]
		}
	}
	return e
}

func senderPrefixes(channel string) []string {
	switch channel {
	case "telegram":
		return []string{"telegram:", "tg:", "user:"}
	case "msteams":
		return []string{"msteams:", "teams:", "user:"}
	}
	return []string{channel + ":", "user:"}
}
