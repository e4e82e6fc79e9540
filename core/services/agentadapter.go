package services

import (
	"context"
	"strings"
	"sync"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/pipeline"
	"github.com/openclaw-go/openclaw/core/skillsource"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// agentAdapter hands routed messages to the agent runner.
type agentAdapter struct{ s *Services }

func (a agentAdapter) Submit(ctx context.Context, t pipeline.Turn) <-chan error {
	done := make(chan error, 1)
	in := inbound(t)
	in.Context = a.s.groupContext.take(t.Decision.SessionKey)
	if msg, ok := a.skillReferences(ctx, &in); !ok {
		// A $skill the sender may not use: say so instead of guessing.
		if err := t.Deliver(ctx, msg, nil); err != nil {
			a.s.logger.Warn("could not report a skill reference problem", "error", err)
		}
		done <- nil
		return done
	}
	in.Done = func(err error) {
		select {
		case done <- err:
		default:
		}
	}
	deliver := func(ctx context.Context, r agent.Reply) error {
		if strings.TrimSpace(r.Text) == "" {
			return nil
		}
		return t.Deliver(ctx, r.Text, nil)
	}
	if err := a.s.runner().Submit(ctx, in, deliver); err != nil {
		// Refused (queue full, runner closed): report it to the sender
		// rather than dropping it silently.
		if derr := t.Deliver(ctx, "⚠️ "+err.Error(), nil); derr != nil {
			a.s.logger.Warn("could not report a refused message", "error", derr)
		}
		done <- nil
	}
	return done
}

// Observe keeps a group message that needed a mention and had none, up to
// the group's history limit, to show the model with the next turn there.
func (a agentAdapter) Observe(_ context.Context, t pipeline.Turn) {
	d := t.Decision
	if d.GroupHistoryLimit <= 0 || d.SessionKey == "" {
		return
	}
	m := t.Record.Message
	a.s.groupContext.add(d.SessionKey, agent.HistoryEntry{Sender: senderName(m.Sender), Text: m.Text, Time: t.Record.Accepted}, d.GroupHistoryLimit)
}

// skillReferences resolves "$skill-name" mentions in the message: the
// referenced skills' instructions join the turn's system prompt. It
// returns the text to show the sender when a reference cannot be used.
func (a agentAdapter) skillReferences(ctx context.Context, in *agent.Inbound) (string, bool) {
	if a.s.Skills == nil || !strings.ContainsAny(in.Text, "$@") {
		return "", true
	}
	ws, err := a.s.runner().Workspace(in.AgentID)
	if err != nil {
		return "", true
	}
	snap, err := a.s.Skills.Resolve(ctx, skillsource.Request{AgentID: in.AgentID, Workspace: ws, ChannelSkills: in.Skills})
	if err != nil {
		a.s.logger.Warn("skills", "error", err)
		return "", true
	}
	inv, err := snap.References(in.Text)
	if err != nil {
		return "⚠️ " + err.Error(), false
	}
	if inv.Instruction != "" {
		in.ExtraSystemPrompt = strings.TrimSpace(in.ExtraSystemPrompt + "\n\n" + inv.Instruction)
	}
	return "", true
}

func inbound(t pipeline.Turn) agent.Inbound {
	m := t.Record.Message
	d := t.Decision
	in := agent.Inbound{
		TurnRequest: agent.TurnRequest{
			AgentID: d.AgentID, SessionKey: d.SessionKey,
			Channel: m.Channel, AccountID: m.AccountID, ChatType: d.ChatType,
			SenderID: m.Sender.ID, SenderName: senderName(m.Sender),
			GroupSubject: m.ChatTitle, GroupPrompt: d.SystemPrompt, Skills: d.Skills,
			Text: m.Text, HistoryLimit: d.HistoryLimit,
		},
		SenderAuthorized: t.Authorized,
		Conversation:     m.Channel + "/" + m.AccountID + "/" + string(m.PeerKind) + "/" + m.PeerID + "/" + m.ThreadID,
		ReplyTo:          m.MessageID,
		ThreadID:         m.ThreadID,
	}
	if m.Command != "" && !strings.HasPrefix(strings.TrimSpace(m.Text), "/") {
		in.Text = "/" + m.Command + " " + m.Text
	}
	for _, md := range m.Media {
		in.Media = append(in.Media, agent.Media{Kind: md.Kind, URL: md.URL, MimeType: md.MimeType, FileName: md.FileName, Data: md.Data, Caption: md.Caption})
	}
	return in
}

func senderName(s pluginsdk.Sender) string {
	if s.Name != "" {
		return s.Name
	}
	return s.Username
}

// groupContext holds unanswered group messages per session, bounded.
type groupContext struct {
	mu      sync.Mutex
	entries map[string][]agent.HistoryEntry
}

func (g *groupContext) add(key string, e agent.HistoryEntry, limit int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.entries == nil {
		g.entries = map[string][]agent.HistoryEntry{}
	}
	list := append(g.entries[key], e)
	if len(list) > limit {
		list = list[len(list)-limit:]
	}
	g.entries[key] = list
}

func (g *groupContext) take(key string) []agent.HistoryEntry {
	g.mu.Lock()
	defer g.mu.Unlock()
	list := g.entries[key]
	delete(g.entries, key)
	return list
}
