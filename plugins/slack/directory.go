package main

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/slack-go/slack"
)

// directory knows channel names and ids, so config keys written as #name
// can be matched to the ids messages carry. It is filled from
// conversations.list at connect and from conversations.info on a miss.
type directory struct {
	mu     sync.Mutex
	byID   map[string]conversation
	byName map[string]string
	// configured are the config's channel keys; keys maps a channel id to
	// the one that names it.
	configured []string
	keys       map[string]string
}

type conversation struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	IsPrivate bool   `json:"private,omitempty"`
	IsIM      bool   `json:"im,omitempty"`
	IsMpIM    bool   `json:"mpim,omitempty"`
}

func newDirectory() *directory {
	return &directory{byID: map[string]conversation{}, byName: map[string]string{}, keys: map[string]string{}}
}

// channelIDPattern matches Slack conversation ids (C…, G…, D…).
var channelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)

func (d *directory) add(c conversation) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byID[c.ID] = c
	if c.Name != "" {
		d.byName[strings.ToLower(c.Name)] = c.ID
	}
}

func fromSlack(ch slack.Channel) conversation {
	return conversation{ID: ch.ID, Name: ch.Name, IsPrivate: ch.IsPrivate, IsIM: ch.IsIM, IsMpIM: ch.IsMpIM}
}

// load lists the public and private channels the bot can see.
func (d *directory) load(ctx context.Context, api *slack.Client) error {
	params := &slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, ExcludeArchived: true, Limit: 200}
	for {
		chans, next, err := api.GetConversationsContext(ctx, params)
		if err != nil {
			return err
		}
		for _, ch := range chans {
			d.add(fromSlack(ch))
		}
		if next == "" {
			return nil
		}
		params.Cursor = next
	}
}

// lookup returns what is known of a channel, asking conversations.info on
// a miss. A failed lookup leaves the channel nameless.
func (d *directory) lookup(ctx context.Context, api *slack.Client, id string) conversation {
	d.mu.Lock()
	c, ok := d.byID[id]
	d.mu.Unlock()
	if ok || api == nil {
		return c
	}
	ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	if err != nil {
		return conversation{ID: id}
	}
	c = fromSlack(*ch)
	d.add(c)
	d.mu.Lock()
	d.resolveLocked()
	d.mu.Unlock()
	return c
}

// setConfigKeys records the config's channel keys (ids or #names) and
// returns the names that no known channel answers to yet.
func (d *directory) setConfigKeys(keys []string) (unresolved []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.configured = append([]string(nil), keys...)
	sort.Strings(d.configured)
	return d.resolveLocked()
}

// resolveLocked maps every configured key to a channel id. An id key wins
// over a name key for the same channel.
func (d *directory) resolveLocked() (unresolved []string) {
	d.keys = map[string]string{}
	for _, k := range d.configured {
		switch {
		case k == "*":
		case channelIDPattern.MatchString(k):
			d.keys[k] = k
		default:
			id, ok := d.byName[strings.ToLower(strings.TrimPrefix(k, "#"))]
			if !ok {
				unresolved = append(unresolved, k)
				continue
			}
			if old, set := d.keys[id]; !set || !channelIDPattern.MatchString(old) {
				d.keys[id] = k
			}
		}
	}
	return unresolved
}

// configKey is the channels.<key> entry that names a channel id, if any.
func (d *directory) configKey(id string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.keys[id]
}

// idForName resolves "#name" or "name" to a channel id.
func (d *directory) idForName(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id, ok := d.byName[strings.ToLower(strings.TrimPrefix(name, "#"))]
	return id, ok
}

// snapshot returns the known channels, for persisting.
func (d *directory) snapshot() []conversation {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]conversation, 0, len(d.byID))
	for _, c := range d.byID {
		if !c.IsIM {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
