package sessions

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestLastTurnsCacheAgreesWithDisk drives the same conversation through
// stores with no cache, a tiny cache and the default one, reopening midway,
// and checks LastTurns always answers the same.
func TestLastTurnsCacheAgreesWithDisk(t *testing.T) {
	ctx := context.Background()
	budgets := map[string]int{"disk": -1, "tiny": 600, "default": 0}
	stores := map[string]*Store{}
	dirs := map[string]string{}
	clock := newClock()
	for name, b := range budgets {
		dirs[name] = t.TempDir()
		stores[name] = openStore(t, dirs[name], clock, func(o *Options) { o.TailCacheBytes = b; o.NoSync = true })
	}
	key := "agent:main:main"
	step := 0
	for round := range 3 {
		for i := range 7 {
			step++
			var msgs []Message
			msgs = append(msgs, TextMessage(RoleUser, fmt.Sprintf("u%d", step)))
			for j := range i % 3 {
				msgs = append(msgs, TextMessage(RoleAssistant, fmt.Sprintf("a%d.%d %s", step, j, strings.Repeat("x", 40*j))))
			}
			for name, s := range stores {
				if _, err := s.Append(ctx, key, msgs...); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			for _, n := range []int{0, 1, 2, 5, 50} {
				want, err := stores["disk"].LastTurns(ctx, key, n)
				if err != nil {
					t.Fatal(err)
				}
				for name, s := range stores {
					got, err := s.LastTurns(ctx, key, n)
					if err != nil {
						t.Fatal(err)
					}
					if a, b := strings.Join(texts(got), "|"), strings.Join(texts(want), "|"); a != b {
						t.Fatalf("round %d step %d n=%d: %s cache = %s, disk = %s", round, step, n, name, a, b)
					}
				}
			}
		}
		// Reopen: caches start cold.
		for name := range stores {
			stores[name].Close()
			stores[name] = openStore(t, dirs[name], clock, func(o *Options) { o.TailCacheBytes = budgets[name]; o.NoSync = true })
		}
	}
}

func TestTailCacheCopiesCallerContent(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir(), newClock(), nil)
	key := "agent:main:main"
	m := TextMessage(RoleUser, "original")
	s.Append(ctx, key, m)
	m.Content[0].Text = "changed by caller"
	got, _ := s.LastTurns(ctx, key, 1)
	if got[0].Text() != "original" {
		t.Errorf("cached message follows the caller's slice: %q", got[0].Text())
	}
}

func TestTailCacheBudget(t *testing.T) {
	var c tailCache
	rec := func(role, text string) Record {
		m := TextMessage(role, text)
		return Record{Type: RecordMessage, Message: &m}
	}
	c.reset(nil, nil, true, 100)
	c.add([]Record{rec(RoleUser, "a"), rec(RoleAssistant, "b")}, []int{40, 40}, 100)
	if !c.complete || c.users != 1 || c.bytes != 80 {
		t.Fatalf("after first add: %+v", c)
	}
	if _, ok := c.lastTurns(0); !ok {
		t.Error("complete cache cannot answer n=0")
	}
	c.add([]Record{rec(RoleUser, "c")}, []int{40}, 100)
	if c.complete || c.users != 1 || c.bytes != 80 || len(c.recs) != 2 {
		t.Fatalf("after overflow: %+v", c)
	}
	if _, ok := c.lastTurns(2); ok {
		t.Error("incomplete cache answered for more turns than it holds")
	}
	if got, ok := c.lastTurns(1); !ok || len(got) != 1 || got[0].Text() != "c" {
		t.Errorf("lastTurns(1) = %v, %v", got, ok)
	}
	c.add([]Record{rec(RoleUser, "d")}, []int{40}, 0)
	if len(c.recs) != 0 || c.complete {
		t.Errorf("disabled cache kept records: %+v", c)
	}
}
