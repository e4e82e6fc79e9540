package telegram

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server is a running fake Bot API.
type Server struct {
	srv *httptest.Server
	// closing is closed by Close so parked long polls and webhook
	// deliveries end before the listener waits for them.
	closing chan struct{}

	mu         sync.Mutex
	bots       map[string]*Bot
	defaultBot *Bot
	closed     bool
}

// BotSpec describes a bot the server hosts.
type BotSpec struct {
	ID        int64
	Username  string
	FirstName string
	// Token defaults to a well-formed token derived from ID.
	Token string
	// HasTopicsEnabled is what getMe reports for forum mode in private chats.
	HasTopicsEnabled bool
}

// DefaultBotSpec is the bot NewServer creates.
func DefaultBotSpec() BotSpec {
	return BotSpec{ID: 7000000001, Username: "openclaw_test_bot", FirstName: "OpenClaw Test"}
}

// NewServer starts a fake Bot API on a loopback port, hosting one bot
// described by DefaultBotSpec().
func NewServer() *Server {
	s := &Server{closing: make(chan struct{}), bots: map[string]*Bot{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.defaultBot = s.AddBot(DefaultBotSpec())
	return s
}

// URL is the API root to configure in the bot (apiRoot), without /bot<token>.
func (s *Server) URL() string { return s.srv.URL }

// Bot returns the default bot.
func (s *Server) Bot() *Bot { return s.defaultBot }

// AddBot hosts another bot, for multi-account tests.
func (s *Server) AddBot(spec BotSpec) *Bot {
	if spec.Token == "" {
		spec.Token = TokenFor(spec.ID)
	}
	if spec.FirstName == "" {
		spec.FirstName = spec.Username
	}
	b := newBot(s, spec)
	s.mu.Lock()
	s.bots[spec.Token] = b
	s.mu.Unlock()
	return b
}

// Close stops the server, ending parked long polls and webhook deliveries.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	bots := make([]*Bot, 0, len(s.bots))
	for _, b := range s.bots {
		bots = append(bots, b)
	}
	s.mu.Unlock()
	for _, b := range bots {
		b.stopWebhook()
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// TokenFor returns a well-formed bot token (<id>:<35 characters>) for id,
// the same every time.
func TokenFor(id int64) string {
	sum := sha256.Sum256([]byte(fmt.Sprint("fake-telegram-bot-", id)))
	return fmt.Sprintf("%d:AA%s", id, hex.EncodeToString(sum[:])[:33])
}

func (s *Server) bot(token string) *Bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bots[token]
}

// methods maps the lower-case method name (Telegram's method names are
// case-insensitive) to its handler.
var methods = map[string]func(*Bot, *http.Request, params) reply{
	"getme":               (*Bot).getMe,
	"getupdates":          nil, // long polling answers by itself; see serveGetUpdates
	"sendmessage":         (*Bot).sendMessage,
	"sendphoto":           (*Bot).sendPhoto,
	"senddocument":        (*Bot).sendDocument,
	"sendchataction":      (*Bot).sendChatAction,
	"setmycommands":       (*Bot).setMyCommands,
	"getmycommands":       (*Bot).getMyCommands,
	"deletemycommands":    (*Bot).deleteMyCommands,
	"setwebhook":          (*Bot).setWebhook,
	"deletewebhook":       (*Bot).deleteWebhook,
	"getwebhookinfo":      (*Bot).getWebhookInfo,
	"setmessagereaction":  (*Bot).setMessageReaction,
	"editmessagetext":     (*Bot).editMessageText,
	"answercallbackquery": (*Bot).answerCallbackQuery,
	"getfile":             (*Bot).getFile,
}

// canonical spells each method as the Bot API documents it, for logs.
var canonical = map[string]string{
	"getme": "getMe", "getupdates": "getUpdates", "sendmessage": "sendMessage", "sendphoto": "sendPhoto",
	"senddocument": "sendDocument", "sendchataction": "sendChatAction", "setmycommands": "setMyCommands",
	"getmycommands": "getMyCommands", "deletemycommands": "deleteMyCommands", "setwebhook": "setWebhook",
	"deletewebhook": "deleteWebhook", "getwebhookinfo": "getWebhookInfo", "setmessagereaction": "setMessageReaction",
	"editmessagetext": "editMessageText", "answercallbackquery": "answerCallbackQuery", "getfile": "getFile",
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/file/bot"); ok {
		token, filePath, _ := strings.Cut(rest, "/")
		s.serveFile(w, token, filePath)
		return
	}
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		writeReply(w, errorReply(http.StatusNotFound, "Not Found"))
		return
	}
	token, method, _ := strings.Cut(rest, "/")
	b := s.bot(token)
	if b == nil || b.isRevoked() {
		writeReply(w, errorReply(http.StatusUnauthorized, "Unauthorized"))
		if b != nil {
			b.logCall(method, nil, http.StatusUnauthorized, "Unauthorized")
		}
		return
	}
	key := strings.ToLower(method)
	handler, known := methods[key]
	if !known {
		b.logCall(method, nil, http.StatusNotFound, "Not Found")
		writeReply(w, errorReply(http.StatusNotFound, "Not Found"))
		return
	}
	name := canonical[key]
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeReply(w, errorReply(http.StatusBadRequest, "Bad Request: unsupported HTTP method"))
		return
	}
	p, err := parseParams(r)
	if err != nil {
		rep := errorReply(http.StatusBadRequest, "Bad Request: "+err.Error())
		b.logCall(name, nil, rep.status, rep.body.Description)
		writeReply(w, rep)
		return
	}
	if f := b.takeFault(name, p); f != nil {
		b.logCall(name, p.raw, f.status(), f.Description)
		serveFault(w, f)
		return
	}
	if key == "getupdates" {
		b.serveGetUpdates(w, r, p)
		return
	}
	rep := handler(b, r, p)
	b.logCall(name, p.raw, rep.status, rep.body.Description)
	writeReply(w, rep)
}

func (s *Server) serveFile(w http.ResponseWriter, token, filePath string) {
	b := s.bot(token)
	if b == nil || b.isRevoked() {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	data, ok := b.fileByPath(filePath)
	if !ok {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

// reply is a Bot API answer about to be written.
type reply struct {
	status int
	body   apiResponse
}

func okReply(result any) reply {
	return reply{status: http.StatusOK, body: apiResponse{OK: true, Result: result}}
}

func errorReply(code int, description string) reply {
	return reply{status: code, body: apiResponse{OK: false, ErrorCode: code, Description: description}}
}

func badRequest(format string, args ...any) reply {
	return errorReply(http.StatusBadRequest, "Bad Request: "+fmt.Sprintf(format, args...))
}

func writeReply(w http.ResponseWriter, rep reply) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_ = json.NewEncoder(w).Encode(rep.body)
}

// Call is one request the bot made, for assertions.
type Call struct {
	Method string
	// Params are the decoded request parameters (uploads summarised).
	Params      map[string]any
	Status      int
	Description string
	Time        time.Time
}

func (b *Bot) logCall(method string, p map[string]any, status int, description string) {
	b.mu.Lock()
	b.calls = append(b.calls, Call{Method: method, Params: p, Status: status, Description: description, Time: time.Now()})
	b.notifyLocked()
	b.mu.Unlock()
}

// waitFor blocks until cond, evaluated under the bot's lock after every
// change, is true, or ctx ends.
func (b *Bot) waitFor(ctx context.Context, cond func() bool) error {
	for {
		b.mu.Lock()
		if cond() {
			b.mu.Unlock()
			return nil
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-b.s.closing:
			return fmt.Errorf("fake telegram server closed")
		}
	}
}

// notifyLocked wakes everyone waiting for a change. b.mu must be held.
func (b *Bot) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}
