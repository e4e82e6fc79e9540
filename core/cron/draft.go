package cron

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Draft is a job as the `openclaw cron add` and `cron edit` flags describe
// it. A nil pointer is a flag that was not given.
type Draft struct {
	// Schedule and Prompt are the positional arguments of add.
	Schedule *string
	Prompt   *string

	Name        *string
	DisplayName *string
	Description *string

	At      *string
	Every   *string
	Cron    *string
	Tz      *string
	Exact   bool
	Stagger *string

	Session    *string
	Agent      *string
	ClearAgent bool

	SystemEvent    *string
	Message        *string
	Model          *string
	ClearModel     bool
	Thinking       *string
	ClearThinking  bool
	TimeoutSeconds *float64
	LightContext   *bool
	Wake           *string

	Announce   bool
	NoDeliver  bool
	Channel    *string
	To         *string
	Account    *string
	ThreadID   *string
	BestEffort *bool
	Webhook    *string

	DeleteAfterRun bool
	KeepAfterRun   bool
	Disabled       bool
}

// AddInput turns add flags into a new job. now resolves relative times.
func (d Draft) AddInput(now time.Time) (AddInput, error) {
	var in AddInput
	sched, err := d.schedule(now, nil)
	if err != nil {
		return in, err
	}
	if sched == nil {
		return in, errors.New("no schedule: give one positionally (\"0 9 * * *\", \"every 1h\", \"20m\") or with --at, --every or --cron")
	}
	in.Schedule = *sched

	msg := d.Message
	if msg == nil {
		msg = d.Prompt
	} else if d.Prompt != nil {
		return in, errors.New("give the prompt positionally or with --message, not both")
	}
	switch {
	case d.SystemEvent != nil && msg != nil:
		return in, errors.New("--system-event and a message are different payloads; give one")
	case d.SystemEvent != nil:
		in.Payload = Payload{Kind: PayloadSystemEvent, Text: *d.SystemEvent}
	case msg != nil:
		in.Payload = Payload{Kind: PayloadAgentTurn, Message: *msg}
	default:
		return in, errors.New("no payload: give a prompt (positionally or --message) or --system-event")
	}
	if err := d.payloadOptions(&in.Payload); err != nil {
		return in, err
	}

	in.Name = deref(d.Name)
	if strings.TrimSpace(in.Name) == "" {
		in.Name = nameFrom(in.Payload.Message + in.Payload.Text)
	}
	in.DisplayName = deref(d.DisplayName)
	in.Description = deref(d.Description)
	in.AgentID = deref(d.Agent)
	in.SessionTarget = deref(d.Session)
	in.WakeMode = deref(d.Wake)

	delivery, err := d.delivery(nil)
	if err != nil {
		return in, err
	}
	in.Delivery = delivery

	switch {
	case d.DeleteAfterRun && d.KeepAfterRun:
		return in, errors.New("--delete-after-run and --keep-after-run contradict each other")
	case d.DeleteAfterRun:
		in.DeleteAfterRun = ptr(true)
	case d.KeepAfterRun:
		in.DeleteAfterRun = ptr(false)
	}
	if d.Disabled {
		in.Enabled = ptr(false)
	}
	if d.ClearAgent || d.ClearModel || d.ClearThinking {
		return in, errors.New("--clear-* flags belong to cron edit")
	}
	return in, nil
}

// Patch turns edit flags into a cron.update patch for cur.
func (d Draft) Patch(now time.Time, cur Job) (json.RawMessage, error) {
	p := map[string]any{}
	if d.Schedule != nil || d.Prompt != nil {
		return nil, errors.New("cron edit takes the job id only; use --at/--every/--cron and --message")
	}
	sched, err := d.schedule(now, &cur.Schedule)
	if err != nil {
		return nil, err
	}
	if sched != nil {
		p["schedule"] = sched
	}
	set := func(key string, v *string) {
		if v != nil {
			p[key] = *v
		}
	}
	set("name", d.Name)
	set("displayName", d.DisplayName)
	set("description", d.Description)
	set("sessionTarget", d.Session)
	set("wakeMode", d.Wake)
	switch {
	case d.ClearAgent && d.Agent != nil:
		return nil, errors.New("--agent and --clear-agent contradict each other")
	case d.ClearAgent:
		p["agentId"] = nil
	default:
		set("agentId", d.Agent)
	}

	payload := map[string]any{}
	switch {
	case d.SystemEvent != nil && d.Message != nil:
		return nil, errors.New("--system-event and --message are different payloads; give one")
	case d.SystemEvent != nil:
		payload["kind"], payload["text"] = PayloadSystemEvent, *d.SystemEvent
	case d.Message != nil:
		payload["kind"], payload["message"] = PayloadAgentTurn, *d.Message
	}
	var opts Payload
	if err := d.payloadOptions(&opts); err != nil {
		return nil, err
	}
	if d.Model != nil {
		payload["model"] = opts.Model
	}
	if d.Thinking != nil {
		payload["thinking"] = opts.Thinking
	}
	if d.TimeoutSeconds != nil {
		payload["timeoutSeconds"] = *d.TimeoutSeconds
	}
	if d.LightContext != nil {
		payload["lightContext"] = *d.LightContext
	}
	switch {
	case d.ClearModel && d.Model != nil:
		return nil, errors.New("--model and --clear-model contradict each other")
	case d.ClearModel:
		payload["model"] = nil
	}
	switch {
	case d.ClearThinking && d.Thinking != nil:
		return nil, errors.New("--thinking and --clear-thinking contradict each other")
	case d.ClearThinking:
		payload["thinking"] = nil
	}
	if len(payload) > 0 {
		p["payload"] = payload
	}

	delivery, err := d.delivery(cur.Delivery)
	if err != nil {
		return nil, err
	}
	if delivery != nil {
		// The draft already merged the current route, so the patch
		// replaces every routing field (null clears it).
		p["delivery"] = map[string]any{
			"mode": delivery.Mode, "channel": nilIfEmpty(delivery.Channel), "to": nilIfEmpty(delivery.To),
			"accountId": nilIfEmpty(delivery.AccountID), "threadId": nilIfEmpty(string(delivery.ThreadID)),
			"bestEffort": delivery.BestEffort,
		}
	}
	switch {
	case d.DeleteAfterRun && d.KeepAfterRun:
		return nil, errors.New("--delete-after-run and --keep-after-run contradict each other")
	case d.DeleteAfterRun:
		p["deleteAfterRun"] = true
	case d.KeepAfterRun:
		p["deleteAfterRun"] = false
	}
	if d.Disabled {
		p["enabled"] = false
	}
	if len(p) == 0 {
		return nil, errors.New("nothing to change: give at least one flag")
	}
	return json.Marshal(p)
}

// schedule reads the schedule flags; nil when none was given. cur, when
// set, is the schedule that --tz, --exact or --stagger alone adjust.
func (d Draft) schedule(now time.Time, cur *Schedule) (*Schedule, error) {
	var given []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"a positional schedule", d.Schedule}, {"--at", d.At}, {"--every", d.Every}, {"--cron", d.Cron}} {
		if f.v != nil {
			given = append(given, f.name)
		}
	}
	if len(given) > 1 {
		return nil, fmt.Errorf("give one schedule, not %s", strings.Join(given, " and "))
	}
	tz := deref(d.Tz)
	var s Schedule
	switch {
	case d.Schedule != nil:
		var err error
		if s, err = ParseSchedule(*d.Schedule, now, tz); err != nil {
			return nil, fmt.Errorf("schedule: %w", err)
		}
	case d.At != nil:
		loc, err := zoneOrUTC(tz)
		if err != nil {
			return nil, err
		}
		t, err := ParseAt(*d.At, now, loc)
		if err != nil {
			return nil, fmt.Errorf("--at: %w", err)
		}
		s = Schedule{Kind: KindAt, At: formatAt(t)}
	case d.Every != nil:
		if tz != "" {
			return nil, errors.New("--tz is not valid with --every")
		}
		dur, err := ParseDuration(*d.Every)
		if err != nil {
			return nil, fmt.Errorf("--every: %w", err)
		}
		s = Schedule{Kind: KindEvery, EveryMs: dur.Milliseconds()}
	case d.Cron != nil:
		s = Schedule{Kind: KindCron, Expr: strings.TrimSpace(*d.Cron), Tz: tz}
	case cur != nil && (d.Tz != nil || d.Exact || d.Stagger != nil):
		if cur.Kind != KindCron {
			return nil, errors.New("--tz, --exact and --stagger adjust cron schedules only")
		}
		s = *cur
		if d.Tz != nil {
			s.Tz = tz
		}
	default:
		if d.Tz != nil {
			return nil, errors.New("--tz needs a cron schedule or an --at time")
		}
		if d.Exact || d.Stagger != nil {
			return nil, errors.New("--exact and --stagger need a cron schedule")
		}
		return nil, nil
	}
	switch {
	case d.Exact && d.Stagger != nil:
		return nil, errors.New("--exact and --stagger contradict each other")
	case (d.Exact || d.Stagger != nil) && s.Kind != KindCron:
		return nil, errors.New("--exact and --stagger apply to cron schedules only")
	case d.Exact:
		s.StaggerMs = ptr(int64(0))
	case d.Stagger != nil:
		dur, err := ParseDuration(*d.Stagger)
		if err != nil {
			return nil, fmt.Errorf("--stagger: %w", err)
		}
		s.StaggerMs = ptr(dur.Milliseconds())
	}
	return &s, nil
}

func (d Draft) payloadOptions(p *Payload) error {
	p.Model = strings.TrimSpace(deref(d.Model))
	p.Thinking = strings.TrimSpace(deref(d.Thinking))
	if d.TimeoutSeconds != nil {
		if *d.TimeoutSeconds < 0 {
			return fmt.Errorf("--timeout-seconds: %v is negative", *d.TimeoutSeconds)
		}
		p.TimeoutSeconds = ptr(*d.TimeoutSeconds)
	}
	if d.LightContext != nil {
		p.LightContext = *d.LightContext
	}
	if p.Kind == PayloadSystemEvent && (p.Model != "" || p.Thinking != "" || p.TimeoutSeconds != nil || p.LightContext) {
		return errors.New("--model, --thinking, --timeout-seconds and --light-context apply to agent turns (--message), not --system-event")
	}
	return nil
}

// delivery reads the delivery flags; nil when none was given. On edit,
// cur is merged by the patch itself, so only the given fields are set.
func (d Draft) delivery(cur *Delivery) (*Delivery, error) {
	chat := d.Announce || d.Channel != nil || d.To != nil || d.Account != nil || d.ThreadID != nil
	switch {
	case d.Webhook != nil && (chat || d.NoDeliver):
		return nil, errors.New("--webhook cannot be combined with --announce, --no-deliver, --channel, --to, --thread-id or --account")
	case d.NoDeliver && d.Announce:
		return nil, errors.New("--announce and --no-deliver contradict each other")
	case d.Webhook != nil:
		return &Delivery{Mode: DeliverWebhook, To: strings.TrimSpace(*d.Webhook), BestEffort: derefBool(d.BestEffort)}, nil
	case d.NoDeliver:
		return &Delivery{Mode: DeliverNone}, nil
	case chat:
		out := &Delivery{Mode: DeliverAnnounce, Channel: strings.TrimSpace(deref(d.Channel)), To: strings.TrimSpace(deref(d.To)),
			AccountID: strings.TrimSpace(deref(d.Account)), ThreadID: FlexID(strings.TrimSpace(deref(d.ThreadID)))}
		if cur != nil && cur.Mode == DeliverAnnounce {
			// Keep the fields not given on the command line.
			if d.Channel == nil {
				out.Channel = cur.Channel
			}
			if d.To == nil {
				out.To = cur.To
			}
			if d.Account == nil {
				out.AccountID = cur.AccountID
			}
			if d.ThreadID == nil {
				out.ThreadID = cur.ThreadID
			}
			out.BestEffort = cur.BestEffort
		}
		if d.BestEffort != nil {
			out.BestEffort = *d.BestEffort
		}
		return out, nil
	case d.BestEffort != nil:
		if cur == nil {
			return &Delivery{Mode: DeliverAnnounce, BestEffort: *d.BestEffort}, nil
		}
		out := *cur
		out.BestEffort = *d.BestEffort
		return &out, nil
	}
	return nil, nil
}

// nameFrom makes a job name from its prompt's first line.
func nameFrom(prompt string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(prompt), "\n")
	line = strings.TrimSpace(line)
	const max = 48
	if utf8.RuneCountInString(line) <= max {
		return line
	}
	r := []rune(line)
	return strings.TrimSpace(string(r[:max])) + "…"
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefBool(b *bool) bool { return b != nil && *b }

func ptr[T any](v T) *T { return &v }
