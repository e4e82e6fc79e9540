package config

import "github.com/openclaw-go/openclaw/core/config/schema"

// channelsRootSchema describes channels.*. Sections for channels the core
// knows carry their schema here; any other section is validated against the
// schema of the plugin that provides the channel (see Validate).
func channelsRootSchema() *schema.Node {
	n := obj(
		p("defaults", obj(
			p("groupPolicy", groupPolicy()),
			p("contextVisibility", enum("all", "allowlist", "allowlist_quote")),
			p("implicitMentions", implicitMentionsSchema()),
			p("heartbeatVisibility", heartbeatVisibilitySchema()),
			p("botLoopProtection", botLoopProtectionSchema()),
		).Titled("Channel defaults")),
		p("modelByChannel", mapOf(mapOf(modelRef())).Titled("Model per channel")),
	)
	for _, id := range coreChannelIDs() {
		n.Extend(p(id, coreChannelSchema(id)))
	}
	return n.AllowOther(openObj()).Titled("Channels").InGroup("Channels")
}

// coreChannelIDs lists the channels documented by the configuration
// reference, whose schemas the core knows without any plugin.
func coreChannelIDs() []string {
	return []string{"discord", "googlechat", "imessage", "irc", "line", "matrix",
		"mattermost", "msteams", "signal", "slack", "telegram", "whatsapp"}
}

// coreChannelProps returns the keys a core-known channel has beyond the
// shared ones.
func coreChannelProps(id string) ([]schema.Prop, bool) {
	switch id {
	case "whatsapp":
		return whatsappProps(), true
	case "telegram":
		return telegramProps(), true
	case "discord":
		return discordProps(), true
	case "slack":
		return slackProps(), true
	case "mattermost":
		return mattermostProps(), true
	case "signal":
		return signalProps(), true
	case "imessage":
		return imessageProps(), true
	case "googlechat":
		return googlechatProps(), true
	case "msteams":
		return msteamsProps(), true
	case "matrix":
		return matrixProps(), true
	case "irc":
		return ircProps(), true
	case "line":
		return lineProps(), true
	}
	return nil, false
}

// coreChannelSchema returns the schema of a core-known channel section, or
// nil for channels only a plugin can describe.
func coreChannelSchema(id string) *schema.Node {
	props, ok := coreChannelProps(id)
	if !ok {
		return nil
	}
	settings := append(channelSharedProps(), props...)
	account := obj(settings...).Overrides().Extend(p("name", str().Titled("Account name")))
	n := obj(settings...).Extend(
		p("name", str()),
		p("defaultAccount", str().Titled("Default account")),
		p("accounts", mapOf(account).Titled("Accounts").
			Describe("Extra accounts; each inherits the channel's settings unless it overrides them.")),
	)
	return n
}

func dmPolicy() *schema.Node {
	return enum("pairing", "allowlist", "open", "disabled").Titled("DM policy").
		Describe(`Who may message the bot directly (default "pairing"); "open" requires allowFrom to contain "*".`)
}

func groupPolicy() *schema.Node {
	return enum("allowlist", "open", "disabled").Titled("Group policy").
		Describe(`Whether group messages are accepted (default "allowlist").`)
}

func dmScope() *schema.Node {
	return enum("main", "per-peer", "per-channel-peer", "per-account-channel-peer")
}

func heartbeatVisibilitySchema() *schema.Node {
	return obj(
		p("showOk", boolean()),
		p("showAlerts", boolean()),
		p("useIndicator", boolean()),
	)
}

func botLoopProtectionSchema() *schema.Node {
	return obj(
		p("enabled", boolean()),
		p("maxEventsPerWindow", posInt()),
		p("windowMs", ms()),
		p("windowSeconds", nonNeg()),
		p("cooldownSeconds", nonNeg()),
	)
}

func implicitMentionsSchema() *schema.Node {
	return obj(
		p("replyToBot", boolean()),
		p("quotedBot", boolean()),
		p("threadParticipation", boolean()),
	)
}

func retrySchema() *schema.Node {
	return obj(
		p("attempts", posInt()),
		p("minDelayMs", ms()),
		p("maxDelayMs", ms()),
		p("jitter", ratio()),
	)
}

func streamingSchema() *schema.Node {
	progress := obj(
		p("label", anyOf(boolean(), str())),
		p("labels", anyOf(boolean(), strs(), openObj())),
		p("maxLines", posInt()),
		p("maxLineChars", posInt()),
		p("toolProgress", anyOf(boolean(), str())),
		p("commandText", anyOf(boolean(), str())),
		p("commentary", anyOf(boolean(), str())),
		p("style", str()),
		p("nativeTaskCards", boolean()),
		p("narration", anyOf(boolean(), str())),
	).AllowOther(nil)
	return anyOf(
		boolean(),
		enum("off", "partial", "block", "progress", "quiet"),
		obj(
			p("mode", enum("off", "partial", "block", "progress", "quiet")),
			p("chunkMode", enum("length", "newline")),
			p("nativeTransport", boolean()),
			p("block", obj(p("enabled", boolean()), p("coalesce", coalesceSchema()))),
			p("preview", obj(
				p("toolProgress", anyOf(boolean(), str())),
				p("commandText", anyOf(boolean(), str())),
			)),
			p("progress", progress),
		),
	)
}

// groupEntrySchema describes one group, room, guild channel or topic entry.
func groupEntrySchema(withTopics bool) *schema.Node {
	n := obj(
		p("enabled", boolean()),
		p("allow", boolean()),
		p("name", str()),
		p("requireMention", boolean().Titled("Require mention")),
		p("ignoreOtherMentions", boolean()),
		p("allowFrom", idList()),
		p("groupPolicy", groupPolicy()),
		p("groupAllowFrom", idList()),
		p("users", idList()),
		p("roles", strs()),
		p("allowBots", anyOf(boolean(), enum("mentions"))),
		p("skills", strs()),
		p("systemPrompt", str()),
		p("prompt", str()),
		p("tools", toolPolicy()),
		p("toolsBySender", mapOf(toolPolicy())),
		p("historyLimit", nonNegInt()),
		p("errorPolicy", str()),
		p("commandLevel", str()),
		p("presenceEvents", anyOf(boolean(), openObj())),
		p("reactionNotifications", enum("off", "own", "all", "allowlist")),
		p("botLoopProtection", botLoopProtectionSchema()),
		p("replyStyle", str()),
		p("agentId", str()),
	)
	if withTopics {
		n.Extend(p("topics", mapOf(groupEntrySchema(false))))
	}
	return n
}

func dmBlockSchema() *schema.Node {
	return obj(
		p("enabled", boolean()),
		p("policy", dmPolicy()),
		p("allowFrom", idList()),
		p("groupEnabled", boolean()),
		p("groupChannels", idList()),
		p("sessionScope", str()),
		p("threadReplies", anyOf(boolean(), str())),
	).Titled("Direct messages")
}

func execApprovalsSchema() *schema.Node {
	return obj(
		p("enabled", anyOf(boolean(), enum("auto"))),
		p("approvers", idList()),
		p("agentFilter", strs()),
		p("sessionFilter", strs()),
		p("target", enum("dm", "channel", "both")),
		p("cleanupAfterResolve", boolean()),
	)
}

func threadBindingsSchema() *schema.Node {
	return obj(
		p("enabled", boolean()),
		p("idleHours", nonNeg()),
		p("maxAgeHours", nonNeg()),
		p("spawnSessions", boolean()),
		p("defaultSpawnContext", enum("fork", "isolated")),
	)
}

func nativeCommandsSchema() *schema.Node {
	return obj(
		p("native", anyOf(boolean(), enum("auto"))),
		p("nativeSkills", anyOf(boolean(), enum("auto"))),
		p("callbackPath", str()),
		p("callbackUrl", str()),
	)
}

// channelSharedProps are keys every channel (and account) accepts.
func channelSharedProps() []schema.Prop {
	return []schema.Prop{
		p("enabled", boolean().Titled("Enabled")),
		p("dmPolicy", dmPolicy()),
		p("allowFrom", idList().Titled("Allowed senders")),
		p("groupPolicy", groupPolicy()),
		p("groupAllowFrom", idList().Titled("Allowed group senders")),
		p("groups", mapOf(groupEntrySchema(true)).Titled("Groups")),
		p("direct", mapOf(groupEntrySchema(false))),
		p("requireMention", boolean()),
		p("mentionPatterns", anyOf(strs(), obj(
			p("mode", str()),
			p("patterns", strs()),
			p("allowIn", strs()),
			p("denyIn", strs()),
		))),
		p("historyLimit", nonNegInt().Titled("Group history limit")),
		p("dmHistoryLimit", nonNegInt()),
		p("dms", mapOf(obj(p("historyLimit", nonNegInt())))),
		p("textChunkLimit", posInt()),
		p("chunkMode", enum("length", "newline")),
		p("mediaMaxMb", nonNeg()),
		p("responsePrefix", str()),
		p("ackReaction", str()),
		p("blockStreaming", boolean()),
		p("blockStreamingCoalesce", coalesceSchema()),
		p("streaming", streamingSchema()),
		p("replyToMode", enum("off", "first", "all", "batched")),
		p("replyToModeByChatType", mapOf(enum("off", "first", "all", "batched"))),
		p("reactionNotifications", enum("off", "own", "all", "allowlist")),
		p("reactionAllowlist", idList()),
		p("reactionLevel", str()),
		p("actions", mapOf(boolean()).Describe("Tool action gates; false disables an action.")),
		p("configWrites", boolean()),
		p("healthMonitor", obj(p("enabled", boolean()))),
		p("heartbeatVisibility", heartbeatVisibilitySchema()),
		p("capabilities", anyOf(strs(), openObj())),
		p("contextVisibility", enum("all", "allowlist", "allowlist_quote")),
		p("implicitMentions", implicitMentionsSchema()),
		p("heartbeat", openObj()),
		p("markdown", openObj()),
		p("commands", nativeCommandsSchema()),
		p("retry", retrySchema()),
		p("proxy", str()),
		p("allowBots", anyOf(boolean(), enum("mentions"))),
		p("botLoopProtection", botLoopProtectionSchema()),
		p("defaultTo", str()),
		p("pluginHooks", mapOf(anything())),
		p("typingIndicator", str()),
		p("errorPolicy", str()),
		p("tools", toolPolicy()),
		p("toolsBySender", mapOf(toolPolicy())),
		p("execApprovals", execApprovalsSchema()),
		p("threadBindings", threadBindingsSchema()),
	}
}

func whatsappProps() []schema.Prop {
	return []schema.Prop{
		p("sendReadReceipts", boolean().Titled("Send read receipts")),
		p("messagePrefix", str()),
		p("selfChatMode", boolean()),
		p("authDir", str()),
		p("debounceMs", ms()),
	}
}

func telegramProps() []schema.Prop {
	return []schema.Prop{
		p("botToken", secret("Bot token").Describe("From @BotFather; TELEGRAM_BOT_TOKEN works for the default account.")),
		p("tokenFile", str()),
		p("apiRoot", str()),
		p("webhookUrl", str()),
		p("webhookSecret", secret("Webhook secret")),
		p("webhookPath", str()),
		p("webhookHost", str()),
		p("webhookPort", port()),
		p("customCommands", arr(obj(
			p("command", str()),
			p("description", str()),
		).Require("command"))),
		p("linkPreview", boolean()),
		p("streamMode", enum("off", "partial", "block")),
		p("draftChunk", chunkSchema()),
		p("network", obj(
			p("autoSelectFamily", boolean()),
			p("dnsResultOrder", enum("ipv4first", "ipv6first", "verbatim")),
		)),
		p("trustedLocalFileRoots", strs()),
		p("richMessages", anyOf(boolean(), openObj())),
		p("timeoutSeconds", posInt()),
	}
}

func discordProps() []schema.Prop {
	return []schema.Prop{
		p("token", secret("Bot token").Describe("DISCORD_BOT_TOKEN works for the default account.")),
		p("applicationId", str()),
		p("dm", dmBlockSchema()),
		p("guilds", mapOf(obj(
			p("slug", str()),
			p("enabled", boolean()),
			p("requireMention", boolean()),
			p("ignoreOtherMentions", boolean()),
			p("reactionNotifications", enum("off", "own", "all", "allowlist")),
			p("users", idList()),
			p("roles", idList()),
			p("presenceEvents", anyOf(boolean(), openObj())),
			p("tools", toolPolicy()),
			p("toolsBySender", mapOf(toolPolicy())),
			p("channels", mapOf(groupEntrySchema(false))),
		)).Titled("Guilds")),
		p("maxLinesPerMessage", posInt()),
		p("suppressEmbeds", boolean()),
		p("intents", mapOf(boolean())),
		p("activity", str()),
		p("activityType", anyOf(str(), integer())),
		p("activityUrl", str()),
		p("status", str()),
		p("autoPresence", obj(
			p("enabled", boolean()),
			p("intervalMs", ms()),
			p("minUpdateIntervalMs", ms()),
		)),
		p("activities", obj(
			p("applicationId", str()),
			p("clientSecret", secret("Client secret")),
		)),
		p("mentionAliases", mapOf(anyOf(str(), idList()))),
		p("pluralkit", obj(
			p("enabled", boolean()),
			p("token", secret("PluralKit token")),
		)),
		p("voice", openObj()),
	}
}

func slackProps() []schema.Prop {
	return []schema.Prop{
		p("mode", enum("socket", "http", "relay")),
		p("botToken", secret("Bot token")),
		p("appToken", secret("App token")),
		p("userToken", secret("User token")),
		p("signingSecret", secret("Signing secret")),
		p("webhookPath", str()),
		p("postAs", str()),
		p("dm", dmBlockSchema()),
		p("channels", mapOf(groupEntrySchema(false)).Titled("Channels")),
		p("thread", obj(
			p("historyScope", enum("thread", "channel")),
			p("inheritParent", boolean()),
			p("initialHistoryLimit", nonNegInt()),
		)),
		p("slashCommand", obj(
			p("enabled", boolean()),
			p("name", str()),
			p("sessionPrefix", str()),
			p("ephemeral", boolean()),
		)),
		p("typingReaction", str()),
		p("unfurlLinks", boolean()),
		p("unfurlMedia", boolean()),
		p("presenceEvents", anyOf(boolean(), openObj())),
		p("relay", obj(
			p("url", str()),
			p("gatewayId", str()),
			p("authToken", secret("Relay token")),
		)),
	}
}

func mattermostProps() []schema.Prop {
	return []schema.Prop{
		p("botToken", secret("Bot token")),
		p("baseUrl", str().Titled("Server URL")),
		p("chatmode", enum("oncall", "onmessage", "onchar").Titled("Chat mode")),
		p("oncharPrefixes", strs()),
		p("dmChannelRetry", obj(
			p("maxRetries", nonNegInt()),
			p("initialDelayMs", ms()),
			p("maxDelayMs", ms()),
			p("timeoutMs", ms()),
		)),
	}
}

func signalProps() []schema.Prop {
	return []schema.Prop{
		p("account", str()),
		p("accountUuid", str()),
		p("aliases", mapOf(str())),
		p("httpUrl", str()),
		p("httpHost", str()),
		p("httpPort", port()),
		p("cliPath", str()),
		p("autoStart", boolean()),
		p("transport", obj(
			p("kind", str()),
			p("url", str()),
			p("cliPath", str()),
			p("socketPath", str()),
		)),
		p("sendReadReceipts", boolean()),
	}
}

func imessageProps() []schema.Prop {
	return []schema.Prop{
		p("cliPath", str()),
		p("dbPath", str()),
		p("remoteHost", str()),
		p("includeAttachments", boolean()),
		p("attachmentRoots", strs()),
		p("remoteAttachmentRoots", strs()),
		p("service", enum("auto", "imessage", "sms")),
		p("region", str()),
		p("sendTransport", str()),
		p("sendReadReceipts", boolean()),
	}
}

func googlechatProps() []schema.Prop {
	return []schema.Prop{
		p("serviceAccount", anyOf(str(), secretRef(), openObj()).Secret().Titled("Service account")),
		p("serviceAccountFile", str()),
		p("audienceType", enum("app-url", "project-number")),
		p("audience", str()),
		p("appPrincipal", str()),
		p("webhookPath", str()),
		p("botUser", str()),
		p("dm", dmBlockSchema()),
	}
}

func msteamsProps() []schema.Prop {
	return []schema.Prop{
		p("appId", str()),
		p("appPassword", secret("App password")),
		p("tenantId", str()),
		p("authType", str()),
		p("certificatePath", str()),
		p("useManagedIdentity", boolean()),
		p("cloud", str()),
		p("serviceUrl", str()),
		p("sharePointSiteId", str()),
		p("graphMediaFallback", boolean()),
		p("replyStyle", str()),
		p("webhook", obj(p("port", port()), p("path", str()))),
		p("teams", mapOf(obj(
			p("requireMention", boolean()),
			p("replyStyle", str()),
			p("tools", toolPolicy()),
			p("channels", mapOf(groupEntrySchema(false))),
		))),
	}
}

func matrixProps() []schema.Prop {
	return []schema.Prop{
		p("homeserver", str()),
		p("userId", str()),
		p("accessToken", secret("Access token")),
		p("password", secret("Password")),
		p("deviceName", str()),
		p("encryption", boolean()),
		p("initialSyncLimit", nonNegInt()),
		p("autoJoin", anyOf(boolean(), str())),
		p("autoJoinAllowlist", strs()),
		p("threadReplies", anyOf(boolean(), str())),
		p("dm", dmBlockSchema()),
		p("network", obj(p("dangerouslyAllowPrivateNetwork", boolean()))),
	}
}

func ircProps() []schema.Prop {
	return []schema.Prop{
		p("host", str()),
		p("port", port()),
		p("tls", boolean()),
		p("nick", str()),
		p("username", str()),
		p("realname", str()),
		p("password", secret("Server password")),
		p("channels", strs()),
		p("nickserv", obj(
			p("enabled", boolean()),
			p("service", str()),
			p("password", secret("NickServ password")),
			p("register", boolean()),
			p("registerEmail", str()),
		)),
	}
}

func lineProps() []schema.Prop {
	return []schema.Prop{
		p("channelAccessToken", secret("Channel access token")),
		p("channelSecret", secret("Channel secret")),
		p("tokenFile", str()),
		p("secretFile", str()),
		p("webhookPath", str()),
	}
}

// CoreChannels lists the channels whose config schema the core knows
// without a plugin (they still need their plugin installed to run).
func CoreChannels() []string { return coreChannelIDs() }
