package pluginsdk

import (
	"sort"
	"sync"
	"time"
)

// statusBook keeps the last status of every account, so the Status RPC can
// answer without asking the plugin author's code.
type statusBook struct {
	mu       sync.Mutex
	accounts map[string]AccountStatus
	now      func() time.Time
}

func newStatusBook() *statusBook {
	return &statusBook{accounts: map[string]AccountStatus{}, now: time.Now}
}

func statusKey(channel, account string) string { return channel + "\x00" + account }

// merge records s, keeping timestamps the report leaves empty.
func (b *statusBook) merge(s AccountStatus) AccountStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.accounts[statusKey(s.Channel, s.AccountID)]
	if s.LastInbound.IsZero() {
		s.LastInbound = old.LastInbound
	}
	if s.LastOutbound.IsZero() {
		s.LastOutbound = old.LastOutbound
	}
	if s.BotUsername == "" {
		s.BotUsername = old.BotUsername
	}
	if s.Mode == "" {
		s.Mode = old.Mode
	}
	if s.LastError == "" && s.State != StateConnected {
		s.LastError, s.LastErrorAt = old.LastError, old.LastErrorAt
	}
	if s.LastError != "" && s.LastErrorAt.IsZero() {
		s.LastErrorAt = b.now()
	}
	b.accounts[statusKey(s.Channel, s.AccountID)] = s
	return s
}

func (b *statusBook) touchInbound(channel, account string) {
	b.touch(channel, account, func(s *AccountStatus) { s.LastInbound = b.now() })
}

func (b *statusBook) touchOutbound(channel, account string) {
	b.touch(channel, account, func(s *AccountStatus) { s.LastOutbound = b.now() })
}

func (b *statusBook) touch(channel, account string, f func(*AccountStatus)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := statusKey(channel, account)
	s, ok := b.accounts[k]
	if !ok {
		s = AccountStatus{Channel: channel, AccountID: account, State: StateStarting}
	}
	f(&s)
	b.accounts[k] = s
}

func (b *statusBook) remove(channel, account string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.accounts, statusKey(channel, account))
}

func (b *statusBook) all() []AccountStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]AccountStatus, 0, len(b.accounts))
	for _, s := range b.accounts {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Channel != out[j].Channel {
			return out[i].Channel < out[j].Channel
		}
		return out[i].AccountID < out[j].AccountID
	})
	return out
}
