// Package pipeline is the way of an inbound message through the gateway:
// access policy and routing decide whether and to which agent and session it
// goes, the agent answers, and the reply is delivered back through the
// channel it came from.
package pipeline

import (
	"context"
	"fmt"
	"sync/atomic"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/inbox"
	"github.com/openclaw-go/openclaw/core/routing"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// Turn is an admitted message on its way to an agent.
type Turn struct {
	Record   *inbox.Record
	Decision routing.Decision
	// Authorized says the sender may use slash commands.
	Authorized bool
	// Deliver sends reply text back to where the message came from.
	Deliver func(ctx context.Context, text string, media []pluginsdk.Media) error
}

// Agent runs turns. Submit queues the turn and returns at once; done
// reports when the turn that consumed the message finished delivering.
type Agent interface {
	Submit(ctx context.Context, t Turn) (done <-chan error)
	// Observe keeps a message the agent should see as context but not
	// answer (a group message without the required mention).
	Observe(ctx context.Context, t Turn)
}

// Deliverer sends replies through channel plugins, and knows what each
// channel's plugin declared about it.
type Deliverer interface {
	Deliver(ctx context.Context, d channels.Delivery) (channels.Result, error)
	ThreadsAreTopics(channel string) bool
}

// Pipeline handles inbound messages. It is safe for concurrent use.
type Pipeline struct {
	router atomic.Pointer[routing.Router]
	agent  Agent
	out    Deliverer
	logger hclog.Logger
}

// New returns a Pipeline.
func New(router *routing.Router, agent Agent, out Deliverer, logger hclog.Logger) *Pipeline {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	p := &Pipeline{agent: agent, out: out, logger: logger}
	p.router.Store(router)
	return p
}

// SetRouter swaps the routing rules after a config change.
func (p *Pipeline) SetRouter(r *routing.Router) { p.router.Store(r) }

// Handle routes one accepted message.
func (p *Pipeline) Handle(ctx context.Context, rec *inbox.Record) (<-chan error, error) {
	m := rec.Message
	d, err := p.router.Load().Route(ctx, ToRouting(m, p.out.ThreadsAreTopics(m.Channel)))
	if err != nil {
		return nil, fmt.Errorf("route message: %w", err)
	}
	log := p.logger.With("channel", m.Channel, "account", m.AccountID, "peer", m.PeerID, "sender", m.Sender.ID)
	log.Debug("routed", "decision", d.String())
	turn := Turn{Record: rec, Decision: d, Authorized: authorized(d)}
	turn.Deliver = func(ctx context.Context, text string, media []pluginsdk.Media) error {
		_, err := p.out.Deliver(ctx, replyTo(m, text, media, rec.Key))
		return err
	}
	switch d.Action {
	case routing.ActionPairing:
		log.Info("pairing code sent", "code", d.PairingCode)
		return nil, turn.Deliver(ctx, d.PairingReply, nil)
	case routing.ActionObserve:
		p.agent.Observe(ctx, turn)
		return nil, nil
	case routing.ActionAllow:
		return p.agent.Submit(ctx, turn), nil
	default:
		log.Debug("message dropped", "reason", d.Reason, "detail", d.Detail)
		return nil, nil
	}
}

// authorized: the senders routing admits by allowlist, pairing or an open
// policy may use commands; OpenClaw has the same rule for DMs, and groups
// admit commands from senders the group admits.
func authorized(d routing.Decision) bool {
	return d.Action == routing.ActionAllow
}

// replyTo addresses a reply to the conversation a message came from.
func replyTo(m pluginsdk.InboundMessage, text string, media []pluginsdk.Media, key string) channels.Delivery {
	kind := m.PeerKind
	if kind == "" {
		kind = pluginsdk.PeerDM
	}
	return channels.Delivery{
		Channel: m.Channel, AccountID: m.AccountID,
		Target:    pluginsdk.Target{Kind: kind, ID: m.PeerID},
		Text:      text,
		Media:     media,
		ReplyToID: m.MessageID,
		ThreadID:  m.ThreadID,
		Key:       "reply:" + key,
	}
}

// ToRouting maps a channel message onto what routing reads. topics says
// the channel's thread ids are forum topics.
func ToRouting(m pluginsdk.InboundMessage, topics bool) routing.Inbound {
	in := routing.Inbound{
		Channel: m.Channel, AccountID: m.AccountID, PeerKind: string(m.PeerKind), PeerID: m.PeerID,
		ParentPeerID: m.ParentPeerID, GuildID: m.GuildID, TeamID: m.TeamID, ChannelName: m.ChatTitle,
		SenderID: m.Sender.ID, SenderName: m.Sender.Name, SenderUsername: m.Sender.Username,
		SenderRoles: m.Sender.Roles, SenderIsBot: m.Sender.IsBot,
		Text: m.Text, Command: m.Command, Mentioned: m.BotMentioned, NativeMentions: true,
	}
	if m.ReplyTo != nil {
		in.ReplyToBot = m.ReplyTo.ToBot
	}
	if topics {
		in.TopicID = m.ThreadID
	} else {
		in.ThreadID = m.ThreadID
	}
	if name := m.Metadata["channelName"]; name != "" {
		in.ChannelName = name
	}
	if g := m.Metadata["guildName"]; g != "" {
		in.GuildName = g
	}
	if m.Metadata["fromSelf"] == "true" {
		in.FromSelf = true
	}
	return in
}
