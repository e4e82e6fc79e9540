package agent

import (
	"testing"
)

// TestCollectKeepsConversationsApart: messages of one session from two
// conversations (DMs sharing the main session) are not folded together.
func TestCollectKeepsConversationsApart(t *testing.T) {
	mk := func(conv, text string) *queued {
		return &queued{in: Inbound{TurnRequest: TurnRequest{Channel: "telegram", AccountID: "default", Text: text}, Conversation: conv}}
	}
	ln := &lane{pending: []*queued{mk("dm/1", "a"), mk("dm/2", "b"), mk("dm/1", "c")}}
	got := takeCompatible(ln)
	if len(got) != 2 || got[0].in.Text != "a" || got[1].in.Text != "c" {
		t.Fatalf("took %d messages, want a and c from conversation dm/1", len(got))
	}
	if len(ln.pending) != 1 || ln.pending[0].in.Text != "b" {
		t.Fatalf("left %d messages, want b", len(ln.pending))
	}
}

// TestDoneReportsEveryFoldedMessage: folding messages keeps every
// message's completion callback.
func TestDoneReportsEveryFoldedMessage(t *testing.T) {
	var done []string
	mk := func(text string) *queued {
		return newQueued(Inbound{TurnRequest: TurnRequest{Text: text}, Done: func(error) { done = append(done, text) }}, nil)
	}
	merged := mergeInbound([]*queued{mk("a"), mk("b"), mk("c")}, "")
	finish(nil, merged)
	if len(done) != 3 {
		t.Fatalf("Done called for %v, want a, b and c", done)
	}
	finish(nil, merged)
	if len(done) != 3 {
		t.Fatal("Done called twice for one message")
	}
}
