package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/models"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/core/toolpolicy"
	"github.com/openclaw-go/openclaw/core/tools"
)

// silentToken is the reply a model gives when it chooses not to answer.
const silentToken = "NO_REPLY"

// hooks are the caller's views into a running turn.
type hooks struct {
	// sink receives streaming events.
	sink func(Event)
	// block receives the text a model wrote before calling tools.
	block func(res *TurnResult, text string)
	// conversation is where the turn's reply goes.
	conversation string
}

// RunTurn runs one turn and returns when it has ended, for API callers
// (chat.send, the OpenAI-compatible endpoints, `openclaw agent`). It waits
// for the session's running turn, if any, and bypasses the message queue.
// sink, when not nil, receives the turn's events in order.
//
// The result is non-nil whenever the session was reached; on failure its
// Text is a short explanation fit for the user (for ErrNoModelConfigured,
// how to configure a model) and the error has the details.
func (r *Runner) RunTurn(ctx context.Context, req TurnRequest, sink func(Event)) (*TurnResult, error) {
	p, key, err := r.resolve(req.AgentID, req.SessionKey)
	if err != nil {
		return nil, fmt.Errorf("agent turn: %w", err)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	ln := r.laneLocked(key)
	ln.refs++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.releaseLocked(ln)
		r.mu.Unlock()
	}()
	return r.execute(ctx, ln, p, key, req, hooks{sink: sink})
}

// execute runs a turn on its lane: one at a time per session, and within
// agents.defaults.maxConcurrent across sessions.
func (r *Runner) execute(ctx context.Context, ln *lane, p *profile, key string, req TurnRequest, h hooks) (*TurnResult, error) {
	if req.RunID == "" {
		req.RunID = r.newRunID()
	}
	if ct := sessions.NormalizeChatType(req.ChatType); ct != "" {
		req.ChatType = ct
	}
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(r.base, func() { cancel(ErrClosed) })
	defer stop()
	select {
	case ln.turn <- struct{}{}:
	case <-rctx.Done():
		return nil, abortError(rctx)
	}
	defer func() { <-ln.turn }()
	run := &activeRun{id: req.RunID, cancel: cancel, conversation: h.conversation}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	ln.active = run
	r.mu.Unlock()
	defer r.finishRun(ln, run)

	select {
	case r.slots <- struct{}{}:
	case <-rctx.Done():
		return nil, abortError(rctx)
	}
	defer func() { <-r.slots }()

	t := &turn{r: r, p: p, key: key, req: req, h: h, run: run, start: r.now()}
	t.res = &TurnResult{RunID: req.RunID, AgentID: p.id, SessionKey: key}
	return t.do(rctx)
}

// finishRun clears the lane's active turn. Messages meant to steer it that
// it never reached wait for the next turn instead.
func (r *Runner) finishRun(ln *lane, run *activeRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ln.active != run {
		return
	}
	ln.active = nil
	finish(nil, run.consumed...)
	run.consumed = nil
	if len(run.steer) > 0 {
		for _, q := range run.steer {
			q.behind = true
		}
		ln.pending = append(run.steer, ln.pending...)
		ln.lastEnqueue = r.now()
		run.steer = nil
	}
	r.pumpLocked(ln)
}

// takeSteer removes the messages waiting to steer the run.
func (r *Runner) takeSteer(run *activeRun) []*queued {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := run.steer
	run.steer = nil
	run.consumed = append(run.consumed, s...)
	return s
}

func (r *Runner) hasSteer(run *activeRun) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(run.steer) > 0
}

// turn is one run of the loop.
type turn struct {
	r     *Runner
	p     *profile
	key   string
	req   TurnRequest
	h     hooks
	run   *activeRun
	start time.Time
	res   *TurnResult

	timeout time.Duration
	entry   sessions.Entry
	// allowed are the tools this turn offers, by name; blocked are the
	// ones the policy hid, with the reason.
	allowed map[string]tools.Tool
	blocked map[string]string
	client  map[string]bool
}

func (t *turn) emit(ev Event) {
	if t.h.sink == nil {
		return
	}
	ev.RunID, ev.SessionKey = t.res.RunID, t.key
	t.h.sink(ev)
}

// record appends to the transcript. It runs even after the turn was
// cancelled, so an aborted turn still leaves its trace; a failure is
// logged, and the turn goes on.
func (t *turn) record(ctx context.Context, msgs ...sessions.Message) {
	recs := make([]sessions.Record, len(msgs))
	for i := range msgs {
		recs[i] = sessions.Record{Type: sessions.RecordMessage, Message: &msgs[i]}
	}
	if _, err := t.r.opts.Sessions.AppendRecords(context.WithoutCancel(ctx), t.key, recs...); err != nil {
		t.r.log.Error("cannot append to session transcript", "session", t.key, "error", err)
	}
}

func (t *turn) do(ctx context.Context) (*TurnResult, error) {
	r, p, req := t.r, t.p, t.req
	t.timeout = r.timeout(p, req)
	if t.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, t.timeout, ErrTimeout)
		defer cancel()
	}
	t.emit(Event{Kind: EventStatus, Phase: PhasePreparing})

	sess, _, err := r.opts.Sessions.Begin(context.WithoutCancel(ctx), t.key, sessions.BeginOptions{
		ChatType: req.ChatType, Channel: req.Channel, AccountID: req.AccountID,
		DisplayName: req.SenderName, Subject: req.GroupSubject, System: req.System,
	})
	if err != nil {
		return nil, fmt.Errorf("agent turn: open session %s: %w", t.key, err)
	}
	t.entry = sess.Entry
	t.res.SessionID = sess.Entry.SessionID
	t.res.ThinkingLevel = sess.Entry.ThinkingLevel
	if err := r.ensureWorkspace(p); err != nil {
		r.log.Error("workspace unavailable", "agent", p.id, "error", err)
	}

	history := req.History
	if history == nil {
		prior, err := r.opts.Sessions.LastTurns(ctx, t.key, req.HistoryLimit)
		if err != nil && !errors.Is(err, sessions.ErrNotFound) {
			r.log.Warn("cannot read session history; answering without it", "session", t.key, "error", err)
		}
		history = toModelHistory(prior)
	}

	text := userText(req)
	t.record(ctx, userRecord(text, req.Media))
	user := models.Message{Role: models.RoleUser}
	if text != "" {
		user.Content = append(user.Content, models.TextPart(text))
	}
	for _, m := range req.Media {
		if m.isImage() && (len(m.Data) > 0 || m.URL != "") {
			user.Content = append(user.Content, models.ImagePart(models.Image{URL: m.URL, MediaType: m.MimeType, Data: m.Data}))
		}
	}
	if len(user.Content) == 0 {
		user.Content = []models.Part{models.TextPart("(empty message)")}
	}

	route := models.Route{Agent: p.models}
	switch {
	case t.entry.ModelOverride != "":
		route.Model, route.Strict = t.entry.ModelOverride, true
		if t.entry.ProviderOverride != "" {
			route.Model = t.entry.ProviderOverride + "/" + t.entry.ModelOverride
		}
	case req.Model != "":
		route.Model = req.Model
	}
	chain, err := r.opts.Router.Chain(route)
	if err != nil {
		return t.fail(ctx, err, "")
	}
	primary := chain[0]
	specs := t.toolSpecs(ctx, primary)
	system := t.prompt(ctx, primary)

	msgs := make([]models.Message, 0, len(history)+8)
	msgs = append(msgs, history...)
	msgs = append(msgs, user)
	for round := 0; ; round++ {
		if round >= r.opts.MaxToolRounds {
			t.res.StopReason = stopLength
			t.res.Text = fmt.Sprintf("⚠️ I stopped after %d rounds of tool calls without reaching an answer. Ask me to continue if you want me to keep going.", r.opts.MaxToolRounds)
			t.record(ctx, assistantRecord(models.AssistantMessage(t.res.Text), nil, "", stopLength, "tool round limit reached"))
			return t.finish(ctx)
		}
		if steered := r.takeSteer(t.run); len(steered) > 0 {
			msgs = t.inject(ctx, msgs, steered)
		}
		t.emit(Event{Kind: EventStatus, Phase: PhaseModel})
		var partial strings.Builder
		resp, err := r.opts.Router.Stream(ctx, route, models.Request{
			System: system, Messages: msgs, Tools: specs, ToolChoice: req.ToolChoice,
			MaxTokens: req.MaxTokens, Temperature: req.Temperature,
		}, func(ev models.Event) {
			switch ev.Type {
			case models.EventText:
				partial.WriteString(ev.Text)
				t.emit(Event{Kind: EventDelta, Text: ev.Text})
			case models.EventThinking:
				t.emit(Event{Kind: EventThinking, Text: ev.Text})
			}
		})
		if err != nil {
			return t.fail(ctx, err, partial.String())
		}
		t.res.Provider, t.res.Model = resp.Provider, resp.Model
		t.res.Usage = t.res.Usage.Add(resp.Usage)
		t.res.Attempts = append(t.res.Attempts, resp.Attempts...)
		api := ""
		if info, err := r.opts.Router.Model(resp.Ref(), p.models); err == nil {
			api = info.API
		}
		reply := resp.Message
		calls := reply.ToolCalls
		if len(calls) == 0 {
			t.record(ctx, assistantRecord(reply, resp, api, stopReason(resp.FinishReason), ""))
			t.res.Text = reply.Text()
			if resp.FinishReason == models.FinishLength {
				t.res.StopReason = stopLength
			} else {
				t.res.StopReason = stopStop
			}
			return t.finish(ctx)
		}
		t.record(ctx, assistantRecord(reply, resp, api, stopToolUse, ""))
		if client := t.clientCalls(calls); len(client) > 0 {
			t.res.ClientToolCalls = client
			t.res.Text = reply.Text()
			t.res.StopReason = "tool_calls"
			return t.finish(ctx)
		}
		if txt := strings.TrimSpace(reply.Text()); txt != "" {
			t.res.Blocks = append(t.res.Blocks, txt)
			if t.h.block != nil {
				t.h.block(t.res, txt)
			}
		}
		sent := reply
		sent.ToolCalls = make([]models.ToolCall, len(calls))
		for i, c := range calls {
			if !json.Valid([]byte(strings.TrimSpace(c.Arguments))) {
				c.Arguments = "{}"
			}
			sent.ToolCalls[i] = c
		}
		msgs = append(msgs, sent)
		t.emit(Event{Kind: EventStatus, Phase: PhaseTools})
		for i, c := range calls {
			if ctx.Err() != nil || r.hasSteer(t.run) {
				// A newer message (or an abort) arrived: calls not yet
				// started are answered without running, so the
				// conversation stays well-formed.
				why := "Skipped: the user sent a new message before this tool ran."
				if ctx.Err() != nil {
					why = "Skipped: the turn was stopped before this tool ran."
				}
				for _, rest := range calls[i:] {
					msgs = append(msgs, models.ToolResultMessage(rest.ID, why, true))
					t.record(ctx, toolResultRecord(rest.ID, rest.Name, why, true, nil))
				}
				break
			}
			content, isErr, details := t.callTool(ctx, c)
			msgs = append(msgs, models.ToolResultMessage(c.ID, content, isErr))
			t.record(ctx, toolResultRecord(c.ID, c.Name, content, isErr, details))
		}
		if ctx.Err() != nil {
			return t.fail(ctx, context.Cause(ctx), "")
		}
	}
}

// inject adds steering messages to the conversation as a user message.
func (t *turn) inject(ctx context.Context, msgs []models.Message, steered []*queued) []models.Message {
	parts := make([]string, 0, len(steered))
	var media []Media
	for _, q := range steered {
		parts = append(parts, userText(q.in.TurnRequest))
		media = append(media, q.in.Media...)
	}
	text := strings.Join(parts, "\n\n")
	t.record(ctx, userRecord(text, media))
	if n := len(msgs); n > 0 && msgs[n-1].Role == models.RoleUser {
		msgs[n-1].Content = append(msgs[n-1].Content, models.TextPart("\n\n"+text))
		return msgs
	}
	return append(msgs, models.UserMessage(text))
}

// clientCalls returns the calls meant for the caller's own tools.
func (t *turn) clientCalls(calls []models.ToolCall) []models.ToolCall {
	if len(t.client) == 0 {
		return nil
	}
	for _, c := range calls {
		if t.client[c.Name] {
			return calls
		}
	}
	return nil
}

// callTool runs one call the model asked for, if the policy allows it.
func (t *turn) callTool(ctx context.Context, c models.ToolCall) (string, bool, json.RawMessage) {
	r := t.r
	if _, ok := t.allowed[c.Name]; !ok {
		if by, hidden := t.blocked[c.Name]; hidden {
			r.log.Info("tool call refused by policy", "session", t.key, "tool", c.Name, "blockedBy", by)
			return fmt.Sprintf("Tool %q is not allowed for this agent (blocked by %s). Do not call it again; answer without it.", c.Name, by), true, nil
		}
		return fmt.Sprintf("Unknown tool %q. Use only the tools you were given.", c.Name), true, nil
	}
	args := strings.TrimSpace(c.Arguments)
	if args == "" {
		args = "{}"
	}
	if !json.Valid([]byte(args)) {
		return fmt.Sprintf("The arguments for %s are not valid JSON. Call it again with a JSON object that matches its schema.", c.Name), true, nil
	}
	t.emit(Event{Kind: EventTool, Tool: &ToolEvent{CallID: c.ID, Name: c.Name, Phase: "start", Args: json.RawMessage(args)}})
	access := "rw"
	if sb := t.p.settings.Sandbox; sb != nil && sb.WorkspaceAccess != "" {
		access = sb.WorkspaceAccess
	}
	started := r.now()
	res := r.opts.Tools.Invoke(ctx, tools.Call{
		ID: c.ID, Name: c.Name, Arguments: args,
		Context: tools.Invocation{
			AgentID: t.p.id, SessionKey: t.key, WorkspaceDir: t.p.workspace,
			Channel: t.req.Channel, SenderID: t.req.SenderID, Elevated: t.req.Elevated, WorkspaceAccess: access,
		},
	}, func(pr tools.Progress) {
		t.emit(Event{Kind: EventTool, Tool: &ToolEvent{CallID: c.ID, Name: c.Name, Phase: "update", Result: pr.Message + pr.Output}})
	})
	t.emit(Event{Kind: EventTool, Tool: &ToolEvent{CallID: c.ID, Name: c.Name, Phase: "end", Result: res.Content, IsError: res.IsError}})
	t.res.ToolCalls = append(t.res.ToolCalls, ToolCall{
		ID: c.ID, Name: c.Name, Args: json.RawMessage(args), Result: res.Content, IsError: res.IsError, Duration: r.now().Sub(started),
	})
	return res.Content, res.IsError, res.Details
}

// toolSpecs lists the tools the turn offers: registered tools the policy
// allows for this agent and model, then the caller's client tools.
func (t *turn) toolSpecs(ctx context.Context, primary models.Ref) []models.ToolSpec {
	t.allowed = map[string]tools.Tool{}
	t.blocked = map[string]string{}
	var specs []models.ToolSpec
	if t.r.opts.Tools != nil {
		policy := toolpolicy.Resolve(t.r.opts.ToolPolicy, t.p.tools, primary.Provider, primary.Model)
		for _, tl := range t.r.opts.Tools.List(ctx) {
			if ok, by := policy.Decide(tl.PolicyTool()); !ok {
				t.blocked[tl.Name] = by
				continue
			}
			t.allowed[tl.Name] = tl
			specs = append(specs, tl.Spec())
		}
	}
	if len(t.req.ClientTools) > 0 {
		t.client = map[string]bool{}
		for _, ct := range t.req.ClientTools {
			t.client[ct.Name] = true
			specs = append(specs, ct)
		}
	}
	return specs
}

// prompt assembles the system prompt for the turn.
func (t *turn) prompt(ctx context.Context, primary models.Ref) string {
	r, p, req := t.r, t.p, t.req
	group := req.ChatType == sessions.ChatGroup || req.ChatType == sessions.ChatChannel
	var files []contextFile
	if p.settings.ContextInjection != "never" {
		var err error
		files, err = r.files.loadContext(p.workspace, p.settings.BootstrapMaxChars, p.settings.BootstrapTotalMaxChars, group)
		if err != nil {
			r.log.Warn("cannot read workspace files for the prompt", "agent", p.id, "error", err)
		}
	}
	id := t.identity(files)
	var allowed []tools.Tool
	if r.opts.Tools != nil {
		// Rendered after toolSpecs has filtered them; sorted for a
		// stable prompt.
		for _, tl := range t.allowed {
			allowed = append(allowed, tl)
		}
		sort.Slice(allowed, func(i, j int) bool { return allowed[i].Name < allowed[j].Name })
	}
	return buildSystemPrompt(promptInput{
		AgentID: p.id, Identity: id, Workspace: p.workspace, Files: files,
		Skills: t.skills(ctx), Tools: allowed, Now: r.now(), Location: r.location(p),
		SessionKey: t.key, Channel: req.Channel, ChatType: req.ChatType, Model: primary.String(),
		GroupSubject: req.GroupSubject, GroupPrompt: req.GroupPrompt, Extra: req.ExtraSystemPrompt,
	})
}

// identity is the configured identity, completed from IDENTITY.md.
func (t *turn) identity(files []contextFile) Identity {
	id := t.p.identity
	if id.Name != "" && id.Emoji != "" && id.Theme != "" {
		return id
	}
	var text string
	for _, f := range files {
		if f.Name == FileIdentity && !f.Missing {
			text = f.Content
		}
	}
	if text == "" {
		if s, _, ok, _ := t.r.files.read(joinPath(t.p.workspace, FileIdentity)); ok {
			text = s
		}
	}
	fromFile := fileIdentity(text)
	if id.Name == "" {
		id.Name = fromFile.Name
	}
	if id.Emoji == "" {
		id.Emoji = fromFile.Emoji
	}
	if id.Theme == "" {
		id.Theme = fromFile.Theme
	}
	return id
}

// skills lists the eligible skills the agent (and the conversation) may use.
func (t *turn) skills(ctx context.Context) []Skill {
	src := t.r.opts.Skills
	if src == nil {
		return nil
	}
	all, err := src.EligibleSkills(ctx, t.p.id, t.p.workspace)
	if err != nil {
		t.r.log.Warn("cannot list skills; the prompt lists none", "agent", t.p.id, "error", err)
		return nil
	}
	keep := func(list []string, name string) bool {
		if list == nil {
			return true
		}
		for _, n := range list {
			if strings.EqualFold(n, name) {
				return true
			}
		}
		return false
	}
	var out []Skill
	for _, s := range all {
		if keep(t.p.settings.Skills, s.Name) && keep(t.req.Skills, s.Name) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// finish ends a turn that produced an answer.
func (t *turn) finish(ctx context.Context) (*TurnResult, error) {
	res := t.res
	if strings.EqualFold(strings.TrimSpace(res.Text), silentToken) {
		res.Silent, res.Text = true, ""
	}
	res.Duration = t.r.now().Sub(t.start)
	t.emit(Event{Kind: EventFinal, Text: res.Text, Model: res.Ref(), Usage: &res.Usage})
	return res, nil
}

// fail ends a turn that could not answer: aborted turns end quietly; a
// timeout, a missing model or a model failure get a short reply for the
// user while the details go to the log and the error.
func (t *turn) fail(ctx context.Context, err error, partial string) (*TurnResult, error) {
	r, res := t.r, t.res
	cause := context.Cause(ctx)
	switch {
	case ctx.Err() != nil && errors.Is(cause, ErrTimeout):
		res.StopReason = "timeout"
		res.Text = fmt.Sprintf("⏱️ Sorry, that took too long: I stopped after %s without finishing.", t.timeout)
		err = fmt.Errorf("%w after %s", ErrTimeout, t.timeout)
		t.record(ctx, assistantRecord(models.AssistantMessage(partial), nil, "", stopAborted, err.Error()))
	case ctx.Err() != nil:
		res.StopReason = stopAborted
		res.Text = ""
		err = abortError(ctx)
		t.record(ctx, assistantRecord(models.AssistantMessage(partial), nil, "", stopAborted, err.Error()))
	case errors.Is(err, models.ErrNoModelConfigured):
		res.StopReason = stopError
		res.Text = err.Error()
		r.log.Warn("no model is configured; told the user how to set one up", "session", t.key)
		t.record(ctx, assistantRecord(models.Message{}, nil, "", stopError, err.Error()))
	default:
		res.StopReason = stopError
		res.Text = "⚠️ " + userFacing(err)
		r.log.Error("turn failed", "session", t.key, "run", res.RunID, "error", err)
		t.record(ctx, assistantRecord(models.AssistantMessage(partial), nil, "", stopError, err.Error()))
	}
	res.Duration = r.now().Sub(t.start)
	t.emit(Event{Kind: EventFinal, Text: res.Text, Model: res.Ref(), Usage: &res.Usage})
	return res, err
}

// abortError is the error of a turn stopped through ctx.
func abortError(ctx context.Context) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, ErrAborted) || errors.Is(cause, ErrClosed) {
		return cause
	}
	return fmt.Errorf("%w: %v", ErrAborted, cause)
}

// userText is the user message as the model sees it: group context since
// the last reply, the sender's name in groups, and notes for attachments
// the model cannot see directly.
func userText(req TurnRequest) string {
	body := req.Text
	group := req.ChatType == sessions.ChatGroup || req.ChatType == sessions.ChatChannel
	if group {
		who := req.SenderName
		if who == "" {
			who = req.SenderID
		}
		if who != "" {
			body = who + ": " + body
		}
	}
	var notes []string
	for _, m := range req.Media {
		if m.isImage() && (len(m.Data) > 0 || m.URL != "") {
			continue
		}
		note := "[attachment: " + firstNonEmpty(m.Kind, m.MimeType, "file")
		if m.FileName != "" {
			note += " " + m.FileName
		}
		if m.URL != "" {
			note += " " + m.URL
		}
		if m.Caption != "" {
			note += " — " + m.Caption
		}
		notes = append(notes, note+"]")
	}
	if len(notes) > 0 {
		body = strings.TrimSpace(body + "\n" + strings.Join(notes, "\n"))
	}
	if len(req.Context) == 0 {
		return body
	}
	var b strings.Builder
	b.WriteString("[Chat messages since your last reply - for context]\n")
	for _, h := range req.Context {
		if h.Sender != "" {
			b.WriteString(h.Sender + ": ")
		}
		b.WriteString(h.Text + "\n")
	}
	b.WriteString("\n[Current message - respond to this]\n")
	b.WriteString(body)
	return b.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
