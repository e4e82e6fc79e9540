// Package routing decides what happens to each inbound chat message, the
// same way for every channel: whether it is admitted (dmPolicy with
// pairing, allowlist, open or disabled; groupPolicy with groupAllowFrom and
// the channel's group tree; mention gating), which agent answers it
// (bindings, in OpenClaw's tier order) and which session it belongs to
// (session.dmScope, groupScope, identity links, threads and topics).
//
// Channel blocks of every platform decode into one ChannelConfig: the
// "groups" of Telegram and WhatsApp (with Telegram "topics"), the "guilds"
// of Discord (with their "channels") and the "channels" of Slack become the
// same GroupConfig tree. Pairing state lives in the pairing subpackage.
package routing
