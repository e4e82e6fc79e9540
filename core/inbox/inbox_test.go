package inbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

func msg(id string) pluginsdk.InboundMessage {
	return pluginsdk.InboundMessage{Channel: "telegram", AccountID: "default", PeerKind: pluginsdk.PeerDM, PeerID: "42", MessageID: id, Text: "hi " + id}
}

func next(t *testing.T, b *Inbox) *Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	r, err := b.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return r
}

func TestAcceptDedupeAndReplay(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"1", "2", "3"} {
		if dup, err := b.Accept(t.Context(), "telegram", msg(id)); err != nil || dup {
			t.Fatalf("Accept(%s) = %v, %v", id, dup, err)
		}
	}
	if dup, _ := b.Accept(t.Context(), "telegram", msg("2")); !dup {
		t.Fatal("a resent message was not reported as duplicate")
	}
	r := next(t, b)
	if r.Message.MessageID != "1" {
		t.Fatalf("first = %s", r.Message.MessageID)
	}
	if err := b.Done(r.Seq); err != nil {
		t.Fatal(err)
	}
	// A crash now: 2 and 3 were accepted and never handled.
	b.Close()
	b, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := b.Pending(); got != 2 {
		t.Fatalf("pending after reopen = %d, want 2", got)
	}
	for _, want := range []string{"2", "3"} {
		if r := next(t, b); r.Message.MessageID != want || r.Message.Text != "hi "+want {
			t.Fatalf("replayed %+v, want %s", r.Message, want)
		}
	}
	for _, id := range []string{"1", "2", "3"} {
		if dup, _ := b.Accept(t.Context(), "telegram", msg(id)); !dup {
			t.Errorf("message %s accepted again after reopen", id)
		}
	}
}

func TestTornLastLine(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Accept(t.Context(), "p", msg("1"))
	b.Accept(t.Context(), "p", msg("2"))
	b.Close()
	path := filepath.Join(dir, "inbox.jsonl")
	raw, _ := os.ReadFile(path)
	for cut := 0; cut < len(raw); cut++ {
		if err := os.WriteFile(path, raw[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if p := b.Pending(); p > 2 {
			t.Fatalf("cut at %d: pending %d", cut, p)
		}
		b.Close()
		os.WriteFile(path, raw, 0o600)
	}
}

func TestCompactionKeepsPendingAndKeys(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(dir, Options{CompactEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		b.Accept(t.Context(), "p", msg(fmt.Sprint(i)))
	}
	handed := []*Record{}
	for range 12 {
		handed = append(handed, next(t, b))
	}
	for _, r := range handed[:10] {
		if err := b.Done(r.Seq); err != nil {
			t.Fatal(err)
		}
	}
	// 10, 11 are in flight; 12..19 queued. None may be handed out twice.
	seen := map[string]bool{}
	for range 8 {
		r := next(t, b)
		if seen[r.Message.MessageID] || r.Message.MessageID == "10" || r.Message.MessageID == "11" {
			t.Fatalf("message %s handed out twice", r.Message.MessageID)
		}
		seen[r.Message.MessageID] = true
	}
	b.Close()
	b, _ = Open(dir, Options{})
	defer b.Close()
	if b.Pending() != 10 {
		t.Fatalf("pending = %d, want 10", b.Pending())
	}
	if dup, _ := b.Accept(t.Context(), "p", msg("3")); !dup {
		t.Fatal("a done message's key was forgotten by compaction")
	}
}

func TestDedupeWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := t.TempDir()
	b, _ := Open(dir, Options{DedupeWindow: time.Hour, Now: clock})
	b.Accept(t.Context(), "p", msg("1"))
	r := next(t, b)
	b.Done(r.Seq)
	b.Close()
	now = now.Add(2 * time.Hour)
	b, _ = Open(dir, Options{DedupeWindow: time.Hour, Now: clock})
	defer b.Close()
	if dup, _ := b.Accept(t.Context(), "p", msg("1")); dup {
		t.Fatal("a key older than the window is still remembered")
	}
}

func BenchmarkAccept(b *testing.B) {
	ib, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ib.Close()
	b.ResetTimer()
	for i := range b.N {
		ib.Accept(context.Background(), "p", msg(fmt.Sprint(i)))
	}
}
