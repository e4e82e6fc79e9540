package backends

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/sessions"
)

// defaultSessionPage is the page size of List when the caller sets none.
const defaultSessionPage = 200

// sessionService serves the session store. Refs are session keys or
// session ids.
type sessionService struct{ d *Deps }

func (s *sessionService) store() *sessions.Store { return s.d.Sessions }

// List implements backend.Sessions.
func (s *sessionService) List(ctx context.Context, q backend.SessionQuery) (backend.SessionPage, error) {
	if q.Limit < 0 || q.Offset < 0 || q.ActiveMinutes < 0 {
		return backend.SessionPage{}, fmt.Errorf("list sessions: limit %d, offset %d and activeMinutes %d must not be negative: %w", q.Limit, q.Offset, q.ActiveMinutes, backend.ErrInvalid)
	}
	all, err := s.store().List(ctx, sessions.ListOptions{
		AgentID: q.AgentID, ActiveWithin: time.Duration(q.ActiveMinutes) * time.Minute,
	})
	if err != nil {
		return backend.SessionPage{}, fmt.Errorf("list sessions: %w", err)
	}
	needle := strings.ToLower(strings.TrimSpace(q.Search))
	var rows []backend.Session
	for _, ss := range all {
		row := s.session(ss)
		if needle != "" && !strings.Contains(strings.ToLower(row.Key), needle) && !strings.Contains(strings.ToLower(row.Label), needle) {
			continue
		}
		rows = append(rows, row)
	}
	limit := q.Limit
	if limit == 0 {
		limit = defaultSessionPage
	}
	return backend.SessionPage{Sessions: page(rows, q.Offset, limit), Total: len(rows)}, nil
}

// Get implements backend.Sessions.
func (s *sessionService) Get(ctx context.Context, ref string) (backend.Session, error) {
	ss, err := s.resolve(ctx, ref)
	if err != nil {
		return backend.Session{}, err
	}
	return s.session(ss), nil
}

// Create implements backend.Sessions.
func (s *sessionService) Create(ctx context.Context, req backend.SessionCreate) (backend.Session, error) {
	agentID := strings.TrimSpace(req.AgentID)
	key := strings.ToLower(strings.TrimSpace(req.Key))
	if key != "" {
		p, ok := sessions.ParseKey(key)
		if !ok || sessions.NormalizeAgentID(p.AgentID) != p.AgentID {
			return backend.Session{}, fmt.Errorf("create session: key %q: want agent:<agentId>:<rest>: %w", req.Key, backend.ErrInvalid)
		}
		if agentID != "" && sessions.NormalizeAgentID(agentID) != p.AgentID {
			return backend.Session{}, fmt.Errorf("create session: key %q belongs to agent %q, not %q: %w", req.Key, p.AgentID, agentID, backend.ErrInvalid)
		}
		agentID = p.AgentID
	}
	if agentID == "" {
		agentID = sessions.DefaultAgentID
		if r := s.d.runner(); r != nil {
			agentID = r.DefaultAgent()
		}
	}
	agentID = sessions.NormalizeAgentID(agentID)
	if r := s.d.runner(); r != nil && !slices.Contains(r.Agents(), agentID) {
		return backend.Session{}, fmt.Errorf("create session: agent %q is not configured (agents: %s): %w", agentID, strings.Join(r.Agents(), ", "), backend.ErrNotFound)
	}
	provider, model, err := s.modelOverride(req.Model)
	if err != nil {
		return backend.Session{}, fmt.Errorf("create session: %w", err)
	}
	if key == "" {
		key = "agent:" + agentID + ":api:" + randomHex(6)
	}
	// Begin on an existing key would roll a stale session over; a create
	// must never touch an existing one.
	if _, err := s.store().Get(ctx, key); err == nil {
		return backend.Session{}, fmt.Errorf("create session: %q already exists: %w", key, backend.ErrConflict)
	} else if !errors.Is(err, sessions.ErrNotFound) {
		return backend.Session{}, fmt.Errorf("create session %s: %w", key, err)
	}
	ss, started, err := s.store().Begin(ctx, key, sessions.BeginOptions{})
	if err != nil {
		return backend.Session{}, fmt.Errorf("create session %s: %w", key, err)
	}
	if !started {
		return backend.Session{}, fmt.Errorf("create session: %q already exists: %w", key, backend.ErrConflict)
	}
	if req.Label != "" || model != "" {
		ss, err = s.store().Update(ctx, key, func(e *sessions.Entry) error {
			e.Label = req.Label
			e.ProviderOverride, e.ModelOverride = provider, model
			return nil
		})
		if err != nil {
			return backend.Session{}, fmt.Errorf("create session %s: %w", key, err)
		}
	}
	return s.session(ss), nil
}

// modelOverride resolves a requested model into the session's provider
// and model override, as /model stores them.
func (s *sessionService) modelOverride(ref string) (provider, model string, err error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", "", nil
	}
	if r := s.d.router(); r != nil {
		info, err := r.Model(ref, nil)
		if err != nil {
			return "", "", fmt.Errorf("model %q: %v: %w", ref, err, backend.ErrInvalid)
		}
		return info.Provider, info.ID, nil
	}
	provider, model, ok := strings.Cut(ref, "/")
	if !ok || provider == "" || model == "" {
		return "", "", fmt.Errorf("model %q: want \"provider/model\": %w", ref, backend.ErrInvalid)
	}
	return provider, model, nil
}

// History implements backend.Sessions. The whole transcript is read to
// count it; pages are cut oldest first, or newest first with Newest.
func (s *sessionService) History(ctx context.Context, q backend.HistoryQuery) (backend.HistoryPage, error) {
	if q.Limit < 0 || q.Offset < 0 {
		return backend.HistoryPage{}, fmt.Errorf("session history: limit %d and offset %d must not be negative: %w", q.Limit, q.Offset, backend.ErrInvalid)
	}
	ss, err := s.resolve(ctx, q.Ref)
	if err != nil {
		return backend.HistoryPage{}, err
	}
	recs, err := s.store().History(ctx, ss.Key, sessions.HistoryOptions{Descending: q.Newest})
	if err != nil {
		return backend.HistoryPage{}, fmt.Errorf("session %s history: %w", ss.Key, err)
	}
	msgs := make([]backend.Message, 0, len(recs))
	for _, r := range recs {
		msgs = append(msgs, message(r))
	}
	return backend.HistoryPage{
		SessionKey: ss.Key, SessionID: ss.Entry.SessionID, Total: len(msgs), Messages: page(msgs, q.Offset, q.Limit),
	}, nil
}

// Reset implements backend.Sessions. A turn still running in the session
// is stopped first, so it cannot write into the fresh transcript.
func (s *sessionService) Reset(ctx context.Context, ref, reason string) (backend.Session, error) {
	switch reason {
	case "", "new", "reset":
	default:
		return backend.Session{}, fmt.Errorf("reset session: reason %q is not \"new\" or \"reset\": %w", reason, backend.ErrInvalid)
	}
	ss, err := s.resolve(ctx, ref)
	if err != nil {
		return backend.Session{}, err
	}
	s.abort(ss.Key)
	ss, err = s.store().Reset(ctx, ss.Key)
	if err != nil {
		return backend.Session{}, fmt.Errorf("reset session %s: %w", ref, err)
	}
	return s.session(ss), nil
}

// Delete implements backend.Sessions. The store keeps a deleted session's
// transcript as <id>.jsonl.deleted.<ms>; deleteTranscript removes that too.
func (s *sessionService) Delete(ctx context.Context, ref string, deleteTranscript bool) (backend.Session, error) {
	ss, err := s.resolve(ctx, ref)
	if err != nil {
		return backend.Session{}, err
	}
	s.abort(ss.Key)
	if err := s.store().Delete(ctx, ss.Key); err != nil {
		if errors.Is(err, sessions.ErrNotFound) {
			return backend.Session{}, fmt.Errorf("delete session %q: %w", ref, backend.ErrNotFound)
		}
		return backend.Session{}, fmt.Errorf("delete session %s: %w", ref, err)
	}
	out := s.session(ss)
	if deleteTranscript {
		if err := s.removeTranscript(out.AgentID, ss.Entry.SessionID); err != nil {
			return out, fmt.Errorf("delete session %s: the session is gone but its transcript stays: %w", ref, err)
		}
	}
	return out, nil
}

// safeSessionID matches ids the store accepts as file names.
var safeSessionID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func (s *sessionService) removeTranscript(agentID, sessionID string) error {
	if !safeSessionID.MatchString(sessionID) || strings.Contains(sessionID, "..") {
		return nil
	}
	dir := filepath.Dir(s.store().IndexPath(agentID))
	archived, err := filepath.Glob(filepath.Join(dir, sessionID+".jsonl.deleted.*"))
	if err != nil {
		return err
	}
	for _, f := range archived {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// DeleteMessage implements backend.Sessions. Transcripts are append-only
// JSONL chains (each record names its parent), so the store offers no way
// to drop one message.
func (s *sessionService) DeleteMessage(_ context.Context, messageID string) error {
	return fmt.Errorf("delete message %q: transcripts are append-only and a single message cannot be removed; reset or delete the session instead: %w", messageID, backend.ErrUnsupported)
}

// resolve finds a session by key, else by session id.
func (s *sessionService) resolve(ctx context.Context, ref string) (sessions.Session, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return sessions.Session{}, fmt.Errorf("session: no key or id given: %w", backend.ErrInvalid)
	}
	if p, ok := sessions.ParseKey(ref); ok {
		if sessions.NormalizeAgentID(p.AgentID) != p.AgentID {
			return sessions.Session{}, fmt.Errorf("session key %q: agent id %q is not a valid id: %w", ref, p.AgentID, backend.ErrInvalid)
		}
		ss, err := s.store().Get(ctx, ref)
		switch {
		case err == nil:
			return ss, nil
		case errors.Is(err, sessions.ErrNotFound):
			return sessions.Session{}, fmt.Errorf("session %q: %w", ref, backend.ErrNotFound)
		default:
			return sessions.Session{}, fmt.Errorf("session %q: %w", ref, err)
		}
	}
	all, err := s.store().List(ctx, sessions.ListOptions{})
	if err != nil {
		return sessions.Session{}, fmt.Errorf("session %q: %w", ref, err)
	}
	for _, ss := range all {
		if ss.Entry.SessionID == ref {
			return ss, nil
		}
	}
	return sessions.Session{}, fmt.Errorf("session %q: %w", ref, backend.ErrNotFound)
}

// abort stops the session's running turn, if there is one.
func (s *sessionService) abort(key string) {
	if r := s.d.runner(); r != nil {
		r.Abort(key)
	}
}

// session maps a store row. The label falls back to the chat's display
// name or subject, which is what lists show for channel sessions.
func (s *sessionService) session(ss sessions.Session) backend.Session {
	e := ss.Entry
	p, _ := sessions.ParseKey(ss.Key)
	out := backend.Session{
		Key: ss.Key, SessionID: e.SessionID, AgentID: p.AgentID,
		Label:     firstNonEmpty(e.Label, e.DisplayName, e.Subject),
		Channel:   firstNonEmpty(e.Channel, sessions.KeyChannel(ss.Key)),
		CreatedAt: fromMillis(e.SessionStartedAt), UpdatedAt: fromMillis(e.UpdatedAt),
		MessageCount: int(e.MessageCount), InputTokens: e.InputTokens, OutputTokens: e.OutputTokens,
	}
	if e.ModelOverride != "" {
		out.Model = e.ModelOverride
		if e.ProviderOverride != "" {
			out.Model = e.ProviderOverride + "/" + e.ModelOverride
		}
	}
	if out.CreatedAt.IsZero() {
		out.CreatedAt = out.UpdatedAt
	}
	if r := s.d.runner(); r != nil {
		_, out.Active = r.ActiveRun(ss.Key)
	}
	return out
}

// message maps a transcript record; tool results have role "tool".
func message(r sessions.Record) backend.Message {
	m := r.Message
	out := backend.Message{ID: r.ID, Role: m.Role, Text: m.Text(), CreatedAt: fromMillis(m.Timestamp)}
	if out.CreatedAt.IsZero() {
		out.CreatedAt, _ = time.Parse(time.RFC3339Nano, r.Timestamp)
	}
	switch m.Role {
	case sessions.RoleToolResult:
		out.Role = "tool"
	case sessions.RoleAssistant:
		if m.Model != "" {
			out.Model = m.Model
			if m.Provider != "" {
				out.Model = m.Provider + "/" + m.Model
			}
		}
		for _, c := range m.ToolCalls() {
			out.ToolCalls = append(out.ToolCalls, backend.ToolCall{ID: c.ID, Name: c.Name, Args: c.Arguments})
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
