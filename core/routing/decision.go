package routing

import "fmt"

// Action is what the gateway does with an inbound message.
type Action string

// Actions.
const (
	// ActionAllow hands the message to the agent.
	ActionAllow Action = "allow"
	// ActionObserve keeps the message as group context without a reply
	// (a group message that needed a mention and had none).
	ActionObserve Action = "observe"
	// ActionPairing replies with Decision.PairingReply and goes no further.
	ActionPairing Action = "pairing"
	// ActionDrop ignores the message.
	ActionDrop Action = "drop"
)

// Reason says why, in words fit for logs and `openclaw channels status`.
type Reason string

// Reasons.
const (
	ReasonDMOpen              Reason = "dm open to everyone"
	ReasonDMAllowlisted       Reason = "sender in allowFrom"
	ReasonDMPaired            Reason = "sender approved by pairing"
	ReasonDMDisabled          Reason = "direct messages disabled"
	ReasonDMNotAllowlisted    Reason = "sender not in allowFrom"
	ReasonPairingCreated      Reason = "unknown sender, pairing code sent"
	ReasonPairingPending      Reason = "unknown sender, pairing code already sent"
	ReasonPairingFull         Reason = "unknown sender, too many pending pairing requests"
	ReasonGroupAllowed        Reason = "group message allowed"
	ReasonGroupDisabled       Reason = "group messages disabled"
	ReasonGroupOff            Reason = "group or channel turned off in config"
	ReasonGroupNotAllowlisted Reason = "group or channel not in the allowlist"
	ReasonGroupEmptyAllowlist Reason = "groupPolicy allowlist with nothing allowlisted"
	ReasonGroupSender         Reason = "sender not allowed in this group"
	ReasonMentionRequired     Reason = "mention required"
	ReasonMentionUndetectable Reason = "mention required but undetectable here; allowed"
	ReasonChannelDisabled     Reason = "channel disabled"
	ReasonOwnMessage          Reason = "own message"
	ReasonBotSender           Reason = "sender is a bot (allowBots off)"
	ReasonError               Reason = "routing error"
)

// Decision is routing's verdict on one inbound message.
type Decision struct {
	Action Action
	Reason Reason
	// Detail adds specifics for logs (the policy, the ids involved).
	Detail string

	// AgentID, SessionKey and MainSessionKey are set whenever routing got
	// that far, also for ActionObserve so the message can be kept as group
	// context.
	AgentID        string
	SessionKey     string
	MainSessionKey string
	// MatchedBy names the binding tier that chose the agent.
	MatchedBy string
	// ChatType is direct, group or channel.
	ChatType string
	// WasMentioned is the mention-gating result for group messages.
	WasMentioned bool

	// PairingCode and PairingReply are set for ActionPairing.
	PairingCode  string
	PairingReply string

	// HistoryLimit caps the user turns of a DM session loaded into the
	// prompt (dms.<id>.historyLimit, then dmHistoryLimit); 0 means all.
	HistoryLimit int
	// GroupHistoryLimit is how many pending group messages to include as
	// context; 0 disables it.
	GroupHistoryLimit int
	// SystemPrompt and Skills come from the group/channel/topic config.
	SystemPrompt string
	Skills       []string
}

// String renders the decision for a log line.
func (d Decision) String() string {
	s := fmt.Sprintf("%s: %s", d.Action, d.Reason)
	if d.Detail != "" {
		s += " (" + d.Detail + ")"
	}
	if d.SessionKey != "" {
		s += " → " + d.SessionKey
	}
	return s
}

// PairingReply is the message sent to an unknown sender with their code.
func PairingReply(channel, senderID, code string) string {
	return "OpenClaw: access not configured.\n\n" +
		"Your " + channel + " user id: " + senderID + "\n\n" +
		"Pairing code: " + code + "\n\n" +
		"Ask the bot owner to approve with:\n" +
		"openclaw pairing approve " + channel + " " + code
}
