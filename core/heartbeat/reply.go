package heartbeat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is the acknowledgement a heartbeat reply may consist of.
const Token = "HEARTBEAT_OK"

// silentToken is the general "nothing to say" reply.
const silentToken = "NO_REPLY"

// Reply kinds.
const (
	ReplyEmpty  = "ok-empty" // nothing at all
	ReplyAck    = "ok-token" // HEARTBEAT_OK (or NO_REPLY), with at most ackMaxChars besides
	ReplyAlert  = "alert"    // something to deliver
	markupChars = "*_`~"
)

// Classify decides what a heartbeat reply means. HEARTBEAT_OK counts at
// the start or the end of the reply (markdown emphasis around it is
// ignored), and the reply is an acknowledgement when what remains is at
// most ackMaxChars characters; otherwise the remainder, without the
// token, is the alert. A token in the middle of the text is ordinary text.
func Classify(reply string, ackMaxChars int) (kind, text string) {
	t := strings.TrimSpace(reply)
	switch {
	case t == "":
		return ReplyEmpty, ""
	case strings.EqualFold(t, silentToken):
		return ReplyAck, ""
	}
	rest, found := Strip(t)
	if !found {
		return ReplyAlert, t
	}
	if utf8.RuneCountInString(rest) <= ackMaxChars {
		return ReplyAck, ""
	}
	return ReplyAlert, rest
}

// Strip removes HEARTBEAT_OK from the start and the end of s and reports
// whether it found one.
func Strip(s string) (string, bool) {
	found := false
	if rest, ok := cutLeading(s); ok {
		s, found = strings.TrimSpace(rest), true
	}
	if rest, ok := cutTrailing(s); ok {
		s, found = strings.TrimSpace(rest), true
	}
	return s, found
}

func cutLeading(s string) (string, bool) {
	r := strings.TrimLeft(s, markupChars)
	if !strings.HasPrefix(r, Token) {
		return s, false
	}
	r = strings.TrimLeft(r[len(Token):], markupChars)
	if c, _ := utf8.DecodeRuneInString(r); r != "" && isWord(c) {
		return s, false // HEARTBEAT_OKAY is not the token
	}
	return strings.TrimLeft(r, " \t\r\n.,:;!-–—"), true
}

func cutTrailing(s string) (string, bool) {
	r := strings.TrimRight(s, markupChars+".!")
	if !strings.HasSuffix(r, Token) {
		return s, false
	}
	r = strings.TrimRight(r[:len(r)-len(Token)], markupChars)
	if c, _ := utf8.DecodeLastRuneInString(r); r != "" && isWord(c) {
		return s, false
	}
	return strings.TrimRight(r, " \t\r\n:-–—"), true
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
