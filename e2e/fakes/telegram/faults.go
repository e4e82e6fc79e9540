package telegram

import (
	"fmt"
	"net/http"
	"slices"
)

// sendMethods are the calls that deliver a message to a chat.
func sendMethods() []string { return []string{"sendMessage", "sendPhoto", "sendDocument"} }

// Fault makes the bot's next calls fail.
type Fault struct {
	// Methods the fault applies to; empty means every method.
	Methods []string
	// Times is how many calls fail; a negative number means until
	// ClearFaults.
	Times int
	// Status is the HTTP status and Bot API error_code (500 by default).
	Status int
	// Description is the Bot API error description.
	Description string
	// RetryAfter is sent as parameters.retry_after (for 429).
	RetryAfter int
	// RawBody, if set, is served verbatim instead of a Bot API error
	// envelope, like a proxy's error page or an emulator's 500.
	RawBody string
	// Drop closes the connection without answering.
	Drop bool
	// OnlyWithParseMode limits the fault to calls that set parse_mode.
	OnlyWithParseMode bool
}

func (f *Fault) status() int {
	if f.Drop {
		return 0
	}
	if f.Status == 0 {
		return http.StatusInternalServerError
	}
	return f.Status
}

// AddFault queues a fault for the bot's next calls.
func (b *Bot) AddFault(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	if f.Description == "" && !f.Drop && f.RawBody == "" {
		f.Description = http.StatusText(f.status())
		if f.status() == http.StatusInternalServerError {
			f.Description = "Internal Server Error"
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = append(b.faults, &f)
}

// ClearFaults removes every queued fault.
func (b *Bot) ClearFaults() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = nil
}

// RateLimitSends answers the next n sends with 429 and retry_after.
func (b *Bot) RateLimitSends(n, retryAfter int) {
	b.AddFault(Fault{
		Methods: sendMethods(), Times: n, Status: http.StatusTooManyRequests, RetryAfter: retryAfter,
		Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
	})
}

// FailMethod answers the next n calls of method with status (500 when 0)
// and Telegram's error envelope; n < 0 fails until ClearFaults.
func (b *Bot) FailMethod(method string, n, status int) {
	b.AddFault(Fault{Methods: []string{method}, Times: n, Status: status})
}

// RejectEntities answers the next n sends that use a parse mode with
// Telegram's "can't parse entities" error, as if the markup were broken.
func (b *Bot) RejectEntities(n int) {
	b.AddFault(Fault{
		Methods: append(sendMethods(), "editMessageText"), Times: n, Status: http.StatusBadRequest, OnlyWithParseMode: true,
		Description: "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0",
	})
}

// DropNextLongPolls closes the connection of the next n getUpdates calls
// without an answer.
func (b *Bot) DropNextLongPolls(n int) {
	b.AddFault(Fault{Methods: []string{"getUpdates"}, Times: n, Drop: true})
}

// DropLongPolls closes the connections of the getUpdates calls parked
// right now, as a network failure would.
func (b *Bot) DropLongPolls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for p := range b.polls {
		p.end <- pollDrop
		delete(b.polls, p)
		n++
	}
	return n
}

// RevokeToken makes Telegram reject the bot's token: every call gets 401
// Unauthorized, as after /revoke in BotFather.
func (b *Bot) RevokeToken() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.revoked = true
	for p := range b.polls {
		p.end <- pollDrop
		delete(b.polls, p)
	}
}

// RestoreToken undoes RevokeToken.
func (b *Bot) RestoreToken() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.revoked = false
}

// takeFault returns the first fault that applies to this call, using up
// one of its times.
func (b *Bot) takeFault(method string, p params) *Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, f := range b.faults {
		if len(f.Methods) > 0 && !slices.Contains(f.Methods, method) {
			continue
		}
		if f.OnlyWithParseMode && p.str("parse_mode") == "" {
			continue
		}
		hit := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				b.faults = slices.Delete(b.faults, i, i+1)
			}
		}
		return &hit
	}
	return nil
}

func serveFault(w http.ResponseWriter, f *Fault) {
	switch {
	case f.Drop:
		hangUp(w)
	case f.RawBody != "":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status())
		_, _ = w.Write([]byte(f.RawBody))
	default:
		rep := errorReply(f.status(), f.Description)
		if f.RetryAfter > 0 {
			rep.body.Parameters = &responseParameters{RetryAfter: f.RetryAfter}
		}
		writeReply(w, rep)
	}
}
