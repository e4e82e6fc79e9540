package services

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/core/agent"
	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/config"
	"github.com/openclaw-go/openclaw/core/cron"
	"github.com/openclaw-go/openclaw/core/heartbeat"
	"github.com/openclaw-go/openclaw/core/sessions"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// startCron opens the job store, registers the cron tool and starts the
// scheduler.
func (s *Services) startCron(ctx context.Context, cfg *config.Config) error {
	var cc cron.Config
	if err := cfg.Section("cron", &cc); err != nil {
		return err
	}
	home, _ := os.UserHomeDir()
	svc, err := cron.Open(cron.Options{
		StateDir: s.Gateway.Paths().StateDir, Home: home, Config: cc, Getenv: os.Getenv,
		Runner: cronRunner{s}, Deliverer: cronDeliverer{s}, Logger: s.logger.Named("cron"),
	})
	if err != nil {
		return err
	}
	if err := s.Tools.Register(svc.Tool()); err != nil {
		return err
	}
	if err := svc.Start(ctx); err != nil {
		return err
	}
	s.Cron = svc
	return nil
}

// cronRunner runs a job's agent turn.
type cronRunner struct{ s *Services }

func (r cronRunner) RunJob(ctx context.Context, req cron.RunRequest) (cron.RunResult, error) {
	job := req.Job
	text := job.Payload.Message
	if text == "" {
		text = job.Payload.Text
	}
	key := job.SessionKey
	if job.SessionTarget == "isolated" || key == "" {
		key = "agent:" + agentOr(job.AgentID) + ":cron:" + job.ID + ":" + req.RunID
	}
	treq := agent.TurnRequest{RunID: req.RunID, AgentID: job.AgentID, SessionKey: key, Text: text, Model: job.Payload.Model, System: true}
	if t := job.Payload.TimeoutSeconds; t != nil && *t > 0 {
		treq.Timeout = time.Duration(*t * float64(time.Second))
	}
	res, err := r.s.runner().RunTurn(ctx, treq, nil)
	if res == nil {
		return cron.RunResult{}, err
	}
	out := cron.RunResult{Output: res.Text, SessionID: res.SessionID, SessionKey: res.SessionKey, Model: res.Model, Provider: res.Provider}
	return out, err
}

func agentOr(id string) string {
	if id == "" {
		return "main"
	}
	return id
}

// cronDeliverer sends a job's result to its channel target; "last" or an
// empty channel means the conversation the job's session belongs to.
type cronDeliverer struct{ s *Services }

func (d cronDeliverer) Deliver(ctx context.Context, out cron.Outbound) (cron.Target, error) {
	t := out.Target
	if t.Channel == "" || t.Channel == "last" {
		ch, peer, ok := conversationOf(out.SessionKey)
		if !ok {
			return t, errors.New("the job has no channel target and its session names no conversation")
		}
		t.Channel = ch
		if t.To == "" {
			t.To = peer
		}
	}
	acct := t.AccountID
	if acct == "" {
		acct = channels.DefaultAccount
	}
	_, err := d.s.Gateway.Channels.Deliver(ctx, channels.Delivery{
		Channel: t.Channel, AccountID: acct, Target: TargetFor(t.To), Text: out.Text, ThreadID: t.ThreadID,
		Key: "cron:" + out.IdempotencyKey,
	})
	return t, err
}

// conversationOf reads channel and peer from a session key such as
// agent:main:telegram:direct:42.
func conversationOf(key string) (channel, peer string, ok bool) {
	parts := strings.Split(key, ":")
	if len(parts) < 5 || parts[0] != "agent" {
		return "", "", false
	}
	return parts[2], parts[len(parts)-1], true
}

// TargetFor reads OpenClaw's target syntax: user:/@ are direct messages,
// channel:/# channels, a negative number a (Telegram) group; the plugin
// parses the rest.
func TargetFor(to string) pluginsdk.Target {
	switch {
	case strings.HasPrefix(to, "channel:"), strings.HasPrefix(to, "#"):
		return pluginsdk.Target{Kind: pluginsdk.PeerChannel, ID: to}
	case strings.HasPrefix(to, "group:"), strings.HasPrefix(to, "-"):
		return pluginsdk.Target{Kind: pluginsdk.PeerGroup, ID: to}
	}
	return pluginsdk.Target{Kind: pluginsdk.PeerDM, ID: to}
}

// startHeartbeat runs agents.*.heartbeat turns; it needs cron active, as
// OpenClaw's does.
func (s *Services) startHeartbeat(cfg *config.Config) error {
	var ac heartbeat.AgentsConfig
	if err := cfg.Section("agents", &ac); err != nil {
		return err
	}
	plans, err := heartbeat.Plans(ac, time.Local)
	if err != nil {
		return err
	}
	hb, err := heartbeat.New(heartbeat.Options{Plans: plans, Runner: heartbeatRunner{s}, Deliverer: heartbeatDeliverer{s}, Logger: s.logger})
	if err != nil {
		return err
	}
	hb.Start()
	s.Heartbeat = hb
	return nil
}

type heartbeatRunner struct{ s *Services }

func (r heartbeatRunner) RunHeartbeat(ctx context.Context, t heartbeat.Turn) (string, error) {
	key := t.SessionKey
	if t.IsolatedSession || key == "" {
		key = "agent:" + agentOr(t.AgentID) + ":heartbeat"
	}
	if _, busy := r.s.runner().ActiveRun(key); busy {
		return "", heartbeat.ErrBusy
	}
	res, err := r.s.runner().RunTurn(ctx, agent.TurnRequest{AgentID: t.AgentID, SessionKey: key, Text: t.Prompt, Model: t.Model, Timeout: t.Timeout, System: true}, nil)
	if res == nil {
		return "", err
	}
	return res.Text, err
}

// heartbeatDeliverer sends heartbeat replies: to the configured target, or
// for "last"/"owner" to the agent's most recent conversation.
type heartbeatDeliverer struct{ s *Services }

func (d heartbeatDeliverer) Resolve(ctx context.Context, agentID string, t heartbeat.Target) (heartbeat.Route, error) {
	switch {
	case t.Channel == "none":
		return heartbeat.Route{}, heartbeat.ErrNoRoute
	case t.Channel != "" && t.Channel != "last" && t.Channel != "owner" && t.To != "":
		return heartbeat.Route{Channel: t.Channel, To: t.To, AccountID: t.AccountID}, nil
	}
	list, err := d.s.Sessions.List(ctx, sessions.ListOptions{AgentID: agentOr(agentID), Limit: 50})
	if err != nil {
		return heartbeat.Route{}, err
	}
	for _, sess := range list {
		if ch, peer, ok := conversationOf(sess.Key); ok && (t.Channel == "" || t.Channel == "last" || t.Channel == "owner" || t.Channel == ch) {
			if _, configured := d.s.Gateway.Channels.Setup(ch); configured {
				return heartbeat.Route{Channel: ch, To: peer, AccountID: t.AccountID, Direct: strings.Contains(sess.Key, ":direct:")}, nil
			}
		}
	}
	return heartbeat.Route{}, heartbeat.ErrNoRoute
}

func (d heartbeatDeliverer) Deliver(ctx context.Context, _ string, r heartbeat.Route, text string) error {
	acct := r.AccountID
	if acct == "" {
		acct = channels.DefaultAccount
	}
	_, err := d.s.Gateway.Channels.Deliver(ctx, channels.Delivery{Channel: r.Channel, AccountID: acct, Target: TargetFor(r.To), Text: text})
	return err
}
