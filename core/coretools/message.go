package coretools

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/core/channels"
	"github.com/openclaw-go/openclaw/core/tools"
	"github.com/openclaw-go/openclaw/pluginsdk"
)

// maxMediaBytes bounds a local file the message tool attaches.
const maxMediaBytes = 25 << 20

type messageArgs struct {
	Action    string `json:"action"`
	Channel   string `json:"channel"`
	Target    string `json:"target"`
	To        string `json:"to"`
	AccountID string `json:"accountId"`
	Message   string `json:"message"`
	Media     string `json:"media"`
	Filename  string `json:"filename"`
	MimeType  string `json:"mimeType"`
	Caption   string `json:"caption"`
	ReplyTo   string `json:"replyTo"`
	ThreadID  string `json:"threadId"`
	Silent    bool   `json:"silent"`
	DryRun    bool   `json:"dryRun"`
}

func message(opts Options) tools.CoreTool {
	return tools.CoreTool{
		Tool: tools.Tool{
			Name:        "message",
			Description: "Send a message through a configured chat channel (telegram, discord, slack, mattermost…) to a target: a chat or user id in the channel's syntax, e.g. telegram 123456789 or -100…:topic:7, discord channel:<id> or user:<id>, slack channel:<id>. Use action \"send\".",
			Parameters: params(`
"action":{"type":"string","enum":["send"],"description":"What to do; only send is available."},
"channel":{"type":"string","description":"Channel id; defaults to the current conversation's channel, or the only configured one. A prefixed target (discord:channel:123) also names it."},
"target":{"type":"string","description":"Where to send, in the channel's target syntax."},
"to":{"type":"string","description":"Same as target."},
"accountId":{"type":"string","description":"Channel account to send from; the conversation's or the default account when omitted."},
"message":{"type":"string","description":"Text to send."},
"media":{"type":"string","description":"An http(s) URL, or a file path inside the workspace, to attach."},
"filename":{"type":"string"},
"mimeType":{"type":"string"},
"caption":{"type":"string","description":"Text for the attachment when message is empty."},
"replyTo":{"type":"string","description":"Platform message id to reply to."},
"threadId":{"type":"string","description":"Thread or topic to post in."},
"silent":{"type":"boolean","description":"Send without a notification where the platform supports it."},
"dryRun":{"type":"boolean","description":"Check the target and channel without sending."}`, "action"),
		},
		Run: func(ctx context.Context, call tools.Call, _ func(tools.Progress)) (tools.Result, error) {
			var a messageArgs
			if err := decode(call, &a); err != nil {
				return errorf("%v", err), nil
			}
			return sendMessage(ctx, opts, call, a), nil
		},
	}
}

func sendMessage(ctx context.Context, opts Options, call tools.Call, a messageArgs) tools.Result {
	inv := call.Context
	if a.Action == "" {
		a.Action = "send"
	}
	if a.Action != "send" {
		return errorf("action %q is not supported here; use \"send\"", a.Action)
	}
	target := strings.TrimSpace(a.Target)
	if to := strings.TrimSpace(a.To); to != "" {
		if target != "" && target != to {
			return errorf("target %q and to %q disagree; give one", target, to)
		}
		target = to
	}
	if target == "" {
		return errorf("target is required: where to send, in the channel's syntax (a chat id, channel:<id>, user:<id>…)")
	}
	text := a.Message
	if strings.TrimSpace(text) == "" {
		text = a.Caption
	}
	if strings.TrimSpace(text) == "" && a.Media == "" {
		return errorf("nothing to send: give message or media")
	}

	setups := opts.Channels.Setups()
	channel, err := pickChannel(setups, strings.ToLower(strings.TrimSpace(a.Channel)), target, strings.ToLower(inv.Channel))
	if err != nil {
		return errorf("%v", err)
	}
	account, err := pickAccount(ctx, opts, setups[channel], strings.TrimSpace(a.AccountID), inv)
	if err != nil {
		return errorf("%v", err)
	}
	var media []pluginsdk.Media
	if a.Media != "" {
		m, err := loadMedia(a.Media, a.Filename, a.MimeType, inv.WorkspaceDir)
		if err != nil {
			return errorf("media: %v", err)
		}
		media = append(media, m)
	}
	res := map[string]any{"ok": true, "action": "send", "channel": channel, "to": target, "accountId": account}
	if a.DryRun {
		res["dryRun"] = true
		return jsonResult(res)
	}
	key := call.ID
	if key == "" {
		key = newRunID()
	}
	out, err := opts.Channels.Deliver(ctx, channels.Delivery{
		Channel: channel, AccountID: account, Target: pluginsdk.Target{ID: target}, Text: text, Media: media,
		ReplyToID: a.ReplyTo, ThreadID: a.ThreadID, Key: "message-tool:" + key,
	})
	if err != nil {
		return errorf("send to %s %s failed: %v", channel, target, err)
	}
	res["messageIds"] = nonNil(out.MessageIDs)
	res["chunks"] = out.Chunks
	if a.Silent {
		res["note"] = "silent delivery is up to the channel; this gateway sends normally"
	}
	return jsonResult(res)
}

// pickChannel decides the channel: the one named, the prefix of the target,
// the conversation's own, or the only one configured.
func pickChannel(setups map[string]channels.Setup, named, target, current string) (string, error) {
	configured := make([]string, 0, len(setups))
	for ch := range setups {
		configured = append(configured, ch)
	}
	sort.Strings(configured)
	if len(configured) == 0 {
		return "", fmt.Errorf("no channel is configured on this gateway")
	}
	list := strings.Join(configured, ", ")
	if named != "" {
		if _, ok := setups[named]; !ok {
			return "", fmt.Errorf("channel %q is not configured; configured channels: %s", named, list)
		}
		return named, nil
	}
	if prefix, _, ok := strings.Cut(target, ":"); ok {
		if _, ok := setups[strings.ToLower(prefix)]; ok {
			return strings.ToLower(prefix), nil
		}
	}
	if _, ok := setups[current]; ok {
		return current, nil
	}
	if len(configured) == 1 {
		return configured[0], nil
	}
	return "", fmt.Errorf("channel is required: several are configured (%s)", list)
}

// pickAccount decides the account to send from: the one named, the
// conversation's when sending back into its channel, else the default.
func pickAccount(ctx context.Context, opts Options, s channels.Setup, named string, inv tools.Invocation) (string, error) {
	ids := make([]string, 0, len(s.Accounts))
	for _, acct := range s.Accounts {
		ids = append(ids, acct.ID)
	}
	if len(ids) == 0 {
		return "", fmt.Errorf("channel %s has no enabled account", s.Channel)
	}
	has := func(id string) bool { return contains(ids, id) }
	if named != "" {
		if !has(named) {
			return "", fmt.Errorf("account %q of %s is not configured; accounts: %s", named, s.Channel, strings.Join(ids, ", "))
		}
		return named, nil
	}
	if strings.EqualFold(inv.Channel, s.Channel) && inv.SessionKey != "" && opts.Sessions != nil {
		if sess, err := opts.Sessions.Get(ctx, inv.SessionKey); err == nil && has(sess.Entry.AccountID) {
			return sess.Entry.AccountID, nil
		}
	}
	if has(channels.DefaultAccount) {
		return channels.DefaultAccount, nil
	}
	return ids[0], nil
}

// loadMedia attaches a URL as is, or reads a workspace file.
func loadMedia(ref, name, mimeType, workspace string) (pluginsdk.Media, error) {
	if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		if mimeType == "" {
			mimeType = mime.TypeByExtension(filepath.Ext(u.Path))
		}
		if name == "" {
			name = filepath.Base(u.Path)
		}
		return pluginsdk.Media{URL: ref, FileName: name, MimeType: mimeType, Kind: mediaKind(mimeType)}, nil
	}
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "data:") {
		return pluginsdk.Media{}, fmt.Errorf("%q: use an http(s) URL or a file in the workspace", ref)
	}
	path, err := inWorkspace(workspace, ref)
	if err != nil {
		return pluginsdk.Media{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return pluginsdk.Media{}, fmt.Errorf("open %s: %v", ref, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMediaBytes+1))
	if err != nil {
		return pluginsdk.Media{}, fmt.Errorf("read %s: %v", ref, err)
	}
	if len(data) > maxMediaBytes {
		return pluginsdk.Media{}, fmt.Errorf("%s is larger than %d MiB", ref, maxMediaBytes>>20)
	}
	if mimeType == "" {
		mimeType = mime.TypeByExtension(filepath.Ext(path))
	}
	if mimeType == "" {
		mimeType = http.DetectContentType(data)
	}
	if name == "" {
		name = filepath.Base(path)
	}
	return pluginsdk.Media{Data: data, Size: int64(len(data)), FileName: name, MimeType: mimeType, Kind: mediaKind(mimeType)}, nil
}

// inWorkspace resolves a path the model gave against the workspace and
// refuses anything that leaves it, through ".." or a symlink.
func inWorkspace(workspace, ref string) (string, error) {
	if workspace == "" {
		return "", fmt.Errorf("%q: no workspace to read files from", ref)
	}
	root, err := filepath.EvalSymlinks(workspace)
	if err != nil {
		return "", fmt.Errorf("workspace: %v", err)
	}
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("%s: %v", ref, err)
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%s is outside the workspace", ref)
	}
	if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", ref)
	}
	return real, nil
}

func mediaKind(mimeType string) string {
	switch {
	case strings.HasPrefix(mimeType, "image/"):
		return "image"
	case strings.HasPrefix(mimeType, "audio/"):
		return "audio"
	case strings.HasPrefix(mimeType, "video/"):
		return "video"
	}
	return "document"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
