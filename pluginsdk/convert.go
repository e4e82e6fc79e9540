package pluginsdk

import (
	"errors"
	"time"

	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

func asError(err error, target any) bool { return errors.As(err, target) }

var peerKindToWire = map[PeerKind]pluginv1.PeerKind{
	PeerDM:      pluginv1.PeerKind_PEER_KIND_DM,
	PeerGroup:   pluginv1.PeerKind_PEER_KIND_GROUP,
	PeerChannel: pluginv1.PeerKind_PEER_KIND_CHANNEL,
}

// PeerKindToWire converts a peer kind to its wire value.
func PeerKindToWire(k PeerKind) pluginv1.PeerKind { return peerKindToWire[k] }

// PeerKindFromWire converts a wire peer kind.
func PeerKindFromWire(k pluginv1.PeerKind) PeerKind {
	switch k {
	case pluginv1.PeerKind_PEER_KIND_DM:
		return PeerDM
	case pluginv1.PeerKind_PEER_KIND_GROUP:
		return PeerGroup
	case pluginv1.PeerKind_PEER_KIND_CHANNEL:
		return PeerChannel
	}
	return ""
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// MediaToWire converts media to the wire form.
func MediaToWire(in []Media) []*pluginv1.Media {
	out := make([]*pluginv1.Media, 0, len(in))
	for _, m := range in {
		out = append(out, &pluginv1.Media{Url: m.URL, MimeType: m.MimeType, FileName: m.FileName, Size: m.Size, Data: m.Data, Kind: m.Kind, Caption: m.Caption})
	}
	return out
}

// MediaFromWire converts wire media.
func MediaFromWire(in []*pluginv1.Media) []Media {
	out := make([]Media, 0, len(in))
	for _, m := range in {
		out = append(out, Media{URL: m.GetUrl(), MimeType: m.GetMimeType(), FileName: m.GetFileName(), Size: m.GetSize(), Data: m.GetData(), Kind: m.GetKind(), Caption: m.GetCaption()})
	}
	return out
}

// InboundToWire converts an inbound message to the wire form.
func InboundToWire(m InboundMessage) *pluginv1.InboundMessage {
	w := &pluginv1.InboundMessage{
		Channel:      m.Channel,
		AccountId:    m.AccountID,
		MessageId:    m.MessageID,
		PeerKind:     PeerKindToWire(m.PeerKind),
		PeerId:       m.PeerID,
		Sender:       &pluginv1.Sender{Id: m.Sender.ID, Name: m.Sender.Name, Username: m.Sender.Username, IsBot: m.Sender.IsBot, Roles: m.Sender.Roles},
		Text:         m.Text,
		Media:        MediaToWire(m.Media),
		BotMentioned: m.BotMentioned,
		MentionedIds: m.MentionedIDs,
		ThreadId:     m.ThreadID,
		ParentPeerId: m.ParentPeerID,
		GuildId:      m.GuildID,
		TeamId:       m.TeamID,
		ChatTitle:    m.ChatTitle,
		TimestampMs:  millis(m.Timestamp),
		Command:      m.Command,
		Metadata:     m.Metadata,
	}
	if m.ReplyTo != nil {
		w.ReplyTo = &pluginv1.ReplyRef{MessageId: m.ReplyTo.MessageID, Text: m.ReplyTo.Text, SenderId: m.ReplyTo.SenderID, ToBot: m.ReplyTo.ToBot}
	}
	return w
}

// InboundFromWire converts a wire inbound message.
func InboundFromWire(w *pluginv1.InboundMessage) InboundMessage {
	s := w.GetSender()
	m := InboundMessage{
		Channel:      w.GetChannel(),
		AccountID:    w.GetAccountId(),
		MessageID:    w.GetMessageId(),
		PeerKind:     PeerKindFromWire(w.GetPeerKind()),
		PeerID:       w.GetPeerId(),
		Sender:       Sender{ID: s.GetId(), Name: s.GetName(), Username: s.GetUsername(), IsBot: s.GetIsBot(), Roles: s.GetRoles()},
		Text:         w.GetText(),
		Media:        MediaFromWire(w.GetMedia()),
		BotMentioned: w.GetBotMentioned(),
		MentionedIDs: w.GetMentionedIds(),
		ThreadID:     w.GetThreadId(),
		ParentPeerID: w.GetParentPeerId(),
		GuildID:      w.GetGuildId(),
		TeamID:       w.GetTeamId(),
		ChatTitle:    w.GetChatTitle(),
		Timestamp:    fromMillis(w.GetTimestampMs()),
		Command:      w.GetCommand(),
		Metadata:     w.GetMetadata(),
	}
	if r := w.GetReplyTo(); r != nil {
		m.ReplyTo = &ReplyRef{MessageID: r.GetMessageId(), Text: r.GetText(), SenderID: r.GetSenderId(), ToBot: r.GetToBot()}
	}
	return m
}

// StatusToWire converts an account status to the wire form.
func StatusToWire(s AccountStatus) *pluginv1.AccountStatus {
	return &pluginv1.AccountStatus{
		Channel:        s.Channel,
		AccountId:      s.AccountID,
		State:          string(s.State),
		Connected:      s.State == StateConnected,
		LastInboundMs:  millis(s.LastInbound),
		LastOutboundMs: millis(s.LastOutbound),
		LastError:      s.LastError,
		LastErrorMs:    millis(s.LastErrorAt),
		BotUsername:    s.BotUsername,
		Mode:           s.Mode,
	}
}

// StatusFromWire converts a wire account status.
func StatusFromWire(w *pluginv1.AccountStatus) AccountStatus {
	return AccountStatus{
		Channel:      w.GetChannel(),
		AccountID:    w.GetAccountId(),
		State:        AccountState(w.GetState()),
		LastInbound:  fromMillis(w.GetLastInboundMs()),
		LastOutbound: fromMillis(w.GetLastOutboundMs()),
		LastError:    w.GetLastError(),
		LastErrorAt:  fromMillis(w.GetLastErrorMs()),
		BotUsername:  w.GetBotUsername(),
		Mode:         w.GetMode(),
	}
}

// OutboundToWire converts an outbound message to a Send request.
func OutboundToWire(m OutboundMessage) *pluginv1.SendRequest {
	return &pluginv1.SendRequest{
		Channel:        m.Channel,
		AccountId:      m.AccountID,
		Target:         &pluginv1.Target{Kind: PeerKindToWire(m.Target.Kind), Id: m.Target.ID},
		Text:           m.Text,
		Media:          MediaToWire(m.Media),
		ReplyToId:      m.ReplyToID,
		ThreadId:       m.ThreadID,
		IdempotencyKey: m.IdempotencyKey,
		Format:         m.Format,
		Silent:         m.Silent,
	}
}

// OutboundFromWire converts a Send request.
func OutboundFromWire(r *pluginv1.SendRequest) OutboundMessage {
	return OutboundMessage{
		Channel:        r.GetChannel(),
		AccountID:      r.GetAccountId(),
		Target:         Target{Kind: PeerKindFromWire(r.GetTarget().GetKind()), ID: r.GetTarget().GetId()},
		Text:           r.GetText(),
		Media:          MediaFromWire(r.GetMedia()),
		ReplyToID:      r.GetReplyToId(),
		ThreadID:       r.GetThreadId(),
		IdempotencyKey: r.GetIdempotencyKey(),
		Format:         r.GetFormat(),
		Silent:         r.GetSilent(),
	}
}
