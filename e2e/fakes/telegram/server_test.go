package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// call makes a Bot API call with a JSON body and decodes the envelope.
func call(t *testing.T, s *Server, token, method string, body any) (int, apiEnvelope) {
	t.Helper()
	data, _ := json.Marshal(body)
	res, err := http.Post(s.URL()+"/bot"+token+"/"+method, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return decodeEnvelope(t, res)
}

type apiEnvelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func decodeEnvelope(t *testing.T, res *http.Response) (int, apiEnvelope) {
	t.Helper()
	defer res.Body.Close()
	var env apiEnvelope
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		t.Fatalf("decode response: %v", err)
	}
	return res.StatusCode, env
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var alice = User{ID: 1001, FirstName: "Alice", Username: "alice_w"}

func TestTokenForIsWellFormed(t *testing.T) {
	tok := TokenFor(123456789)
	id, secret, ok := strings.Cut(tok, ":")
	if !ok || id != "123456789" || len(secret) != 35 {
		t.Fatalf("TokenFor = %q, want <id>:<35 chars>", tok)
	}
	if TokenFor(123456789) != tok || TokenFor(1) == tok {
		t.Fatal("TokenFor must be deterministic and differ per id")
	}
}

func TestErrorEnvelopes(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	tests := []struct {
		name, token, method string
		setup               func()
		wantStatus          int
		wantDesc            string
		wantRetryAfter      int
	}{
		{name: "unknown token", token: TokenFor(42), method: "getMe", wantStatus: 401, wantDesc: "Unauthorized"},
		{name: "unknown method", token: b.Token(), method: "sendPoll", wantStatus: 404, wantDesc: "Not Found"},
		{name: "rate limited", token: b.Token(), method: "sendMessage", setup: func() { b.RateLimitSends(1, 7) },
			wantStatus: 429, wantDesc: "Too Many Requests: retry after 7", wantRetryAfter: 7},
		{name: "failing method", token: b.Token(), method: "getMe", setup: func() { b.FailMethod("getMe", 1, 0) },
			wantStatus: 500, wantDesc: "Internal Server Error"},
		{name: "revoked token", token: b.Token(), method: "getMe", setup: b.RevokeToken, wantStatus: 401, wantDesc: "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			defer b.RestoreToken()
			status, env := call(t, s, tt.token, tt.method, map[string]any{"chat_id": 1, "text": "x"})
			if status != tt.wantStatus || env.OK || env.ErrorCode != tt.wantStatus || env.Description != tt.wantDesc {
				t.Fatalf("got %d %+v, want %d %q", status, env, tt.wantStatus, tt.wantDesc)
			}
			if env.Parameters.RetryAfter != tt.wantRetryAfter {
				t.Fatalf("retry_after = %d, want %d", env.Parameters.RetryAfter, tt.wantRetryAfter)
			}
		})
	}
	// A fault is used up: the next call succeeds.
	if status, env := call(t, s, b.Token(), "getMe", nil); status != 200 || !env.OK {
		t.Fatalf("getMe after faults: %d %+v", status, env)
	}
}

func TestGetMe(t *testing.T) {
	s := NewServer()
	defer s.Close()
	_, env := call(t, s, s.Bot().Token(), "getme", nil) // method names are case-insensitive
	var me User
	if err := json.Unmarshal(env.Result, &me); err != nil || !me.IsBot || me.Username != DefaultBotSpec().Username || me.ID != DefaultBotSpec().ID {
		t.Fatalf("getMe = %s (%v)", env.Result, err)
	}
}

func getUpdates(t *testing.T, s *Server, token string, params map[string]any) (int, []Update, apiEnvelope) {
	t.Helper()
	status, env := call(t, s, token, "getUpdates", params)
	var ups []Update
	if env.OK {
		if err := json.Unmarshal(env.Result, &ups); err != nil {
			t.Fatalf("decode updates: %v", err)
		}
	}
	return status, ups, env
}

func TestGetUpdatesOffsetConfirmsUpdates(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	first := b.SendPrivate(alice, "one")
	b.SendPrivate(alice, "two")

	_, ups, _ := getUpdates(t, s, b.Token(), nil)
	if len(ups) != 2 || ups[0].Message.Text != "one" || ups[1].Message.Text != "two" || ups[0].Message.MessageID != first.MessageID {
		t.Fatalf("first poll = %+v", ups)
	}
	// Without a higher offset nothing is confirmed: the same updates again.
	_, again, _ := getUpdates(t, s, b.Token(), map[string]any{"offset": ups[0].UpdateID})
	if len(again) != 2 {
		t.Fatalf("unconfirmed updates must be redelivered, got %d", len(again))
	}
	_, rest, _ := getUpdates(t, s, b.Token(), map[string]any{"offset": ups[0].UpdateID + 1, "limit": 10})
	if len(rest) != 1 || rest[0].Message.Text != "two" {
		t.Fatalf("after confirming the first: %+v", rest)
	}
	if b.Pending() != 1 {
		t.Fatalf("Pending = %d, want 1", b.Pending())
	}
	_, none, _ := getUpdates(t, s, b.Token(), map[string]any{"offset": ups[1].UpdateID + 1})
	if len(none) != 0 || b.Pending() != 0 {
		t.Fatalf("after confirming all: %d updates, %d pending", len(none), b.Pending())
	}
	if err := b.Redeliver(ups[0].UpdateID); err != nil {
		t.Fatal(err)
	}
	_, redelivered, _ := getUpdates(t, s, b.Token(), nil)
	if len(redelivered) != 1 || redelivered[0].UpdateID != ups[0].UpdateID {
		t.Fatalf("Redeliver: %+v", redelivered)
	}
}

func TestLongPollWaitsForAnUpdate(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	got := make(chan []Update, 1)
	go func() {
		_, ups, _ := getUpdates(t, s, b.Token(), map[string]any{"timeout": 30})
		got <- ups
	}()
	ctx := testContext(t)
	// Inject only once the poll is parked, so the update must wake it.
	if err := b.WaitPolling(ctx); err != nil {
		t.Fatal(err)
	}
	b.SendPrivate(alice, "wake up")
	select {
	case ups := <-got:
		if len(ups) != 1 || ups[0].Message.Text != "wake up" {
			t.Fatalf("long poll returned %+v", ups)
		}
	case <-ctx.Done():
		t.Fatal("long poll did not return")
	}
}

func TestSecondPollerGetsConflict(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	first := make(chan apiEnvelope, 1)
	go func() {
		_, _, env := getUpdates(t, s, b.Token(), map[string]any{"timeout": 30})
		first <- env
	}()
	ctx := testContext(t)
	if err := b.WaitPolling(ctx); err != nil {
		t.Fatal(err)
	}
	status, _, _ := getUpdates(t, s, b.Token(), map[string]any{"timeout": 0})
	if status != 200 {
		t.Fatalf("second poller status %d", status)
	}
	env := <-first
	if env.OK || env.ErrorCode != 409 || !strings.Contains(env.Description, "terminated by other getUpdates request") {
		t.Fatalf("first poller got %+v, want 409 conflict", env)
	}
}

func TestDropLongPolls(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	errc := make(chan error, 1)
	go func() {
		res, err := http.Post(s.URL()+"/bot"+b.Token()+"/getUpdates", "application/json", strings.NewReader(`{"timeout":30}`))
		if err == nil {
			res.Body.Close()
			err = errors.New("got an answer")
		}
		errc <- err
	}()
	ctx := testContext(t)
	if err := b.WaitPolling(ctx); err != nil {
		t.Fatal(err)
	}
	if n := b.DropLongPolls(); n != 1 {
		t.Fatalf("DropLongPolls = %d", n)
	}
	if err := <-errc; err == nil || err.Error() == "got an answer" {
		t.Fatalf("dropped poll: %v, want a connection error", err)
	}
}

func TestSendMessageValidation(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	forum := Forum(-1001234567890, "Forum")
	topicMsg := b.SendTopic(forum, 0, alice, "hi") // General topic
	_ = topicMsg
	thread := b.OpenTopic(forum, alice, "Dev")
	dm := b.SendPrivate(alice, "hello")
	long := strings.Repeat("a", 4097)
	tests := []struct {
		name     string
		body     map[string]any
		wantDesc string
	}{
		{"unknown chat", map[string]any{"chat_id": 999, "text": "x"}, "Bad Request: chat not found"},
		{"empty text", map[string]any{"chat_id": alice.ID, "text": " "}, "Bad Request: message text is empty"},
		{"too long", map[string]any{"chat_id": alice.ID, "text": long}, "Bad Request: message is too long"},
		{"html entities only count once", map[string]any{"chat_id": alice.ID, "text": "<b>" + strings.Repeat("a", 4096) + "</b>", "parse_mode": "HTML"}, ""},
		{"bad html", map[string]any{"chat_id": alice.ID, "text": "<b>x", "parse_mode": "HTML"}, `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{"unsupported tag", map[string]any{"chat_id": alice.ID, "text": "<div>x</div>", "parse_mode": "HTML"}, `Bad Request: can't parse entities: Unsupported start tag "div" at byte offset 0`},
		{"reply to missing", map[string]any{"chat_id": alice.ID, "text": "x", "reply_parameters": map[string]any{"message_id": 999}}, "Bad Request: message to be replied not found"},
		{"reply to missing allowed", map[string]any{"chat_id": alice.ID, "text": "x", "reply_parameters": map[string]any{"message_id": 999, "allow_sending_without_reply": true}}, ""},
		{"reply", map[string]any{"chat_id": alice.ID, "text": "x", "reply_parameters": map[string]any{"message_id": dm.MessageID}}, ""},
		{"general topic id rejected", map[string]any{"chat_id": forum.ID, "text": "x", "message_thread_id": 1}, "Bad Request: message thread not found"},
		{"unknown topic", map[string]any{"chat_id": forum.ID, "text": "x", "message_thread_id": 12345}, "Bad Request: message thread not found"},
		{"topic", map[string]any{"chat_id": forum.ID, "text": "x", "message_thread_id": thread}, ""},
		{"thread in private chat", map[string]any{"chat_id": alice.ID, "text": "x", "message_thread_id": 5}, "Bad Request: message thread not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, env := call(t, s, b.Token(), "sendMessage", tt.body)
			if tt.wantDesc == "" {
				if status != 200 || !env.OK {
					t.Fatalf("got %d %+v, want success", status, env)
				}
				return
			}
			if status != 400 || env.Description != tt.wantDesc {
				t.Fatalf("got %d %q, want 400 %q", status, env.Description, tt.wantDesc)
			}
		})
	}
}

func TestSentRecordsWhatTheBotSent(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	forum := Forum(-1001234567890, "Forum")
	thread := b.OpenTopic(forum, alice, "Dev")
	in := b.SendTopic(forum, thread, alice, "question")
	_, env := call(t, s, b.Token(), "sendMessage", map[string]any{
		"chat_id": forum.ID, "text": "<b>bold</b> &amp; <a href=\"https://x.test\">link</a>", "parse_mode": "HTML",
		"message_thread_id": thread, "reply_parameters": map[string]any{"message_id": in.MessageID},
		"link_preview_options": map[string]any{"is_disabled": true}, "disable_notification": true,
	})
	if !env.OK {
		t.Fatalf("sendMessage: %+v", env)
	}
	sent, err := b.NextSent(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if sent.Text() != "bold & link" || sent.ThreadID != thread || sent.ReplyToMessageID != in.MessageID ||
		!sent.LinkPreviewDisabled || !sent.DisableNotification || sent.ParseMode != "HTML" {
		t.Fatalf("sent = %+v", sent)
	}
	want := []MessageEntity{{Type: "bold", Offset: 0, Length: 4}, {Type: "text_link", Offset: 7, Length: 4, URL: "https://x.test"}}
	if len(sent.Message.Entities) != 2 || sent.Message.Entities[0] != want[0] || sent.Message.Entities[1] != want[1] {
		t.Fatalf("entities = %+v, want %+v", sent.Message.Entities, want)
	}
	if sent.Message.ReplyToMessage == nil || sent.Message.ReplyToMessage.MessageID != in.MessageID || !sent.Message.IsTopicMessage {
		t.Fatalf("reply/topic not recorded: %+v", sent.Message)
	}
}

func TestTopicMessagesReplyToTheTopicOpening(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	forum := Forum(-1001234567890, "Forum")
	m := b.SendTopic(forum, 77, alice, "in topic")
	if m.MessageThreadID != 77 || !m.IsTopicMessage || m.ReplyToMessage == nil || m.ReplyToMessage.ForumTopicCreated == nil ||
		m.ReplyToMessage.MessageID != 77 {
		t.Fatalf("topic message = %+v", m)
	}
}

func TestUploadsAndFiles(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	b.SendPrivate(alice, "hi")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("chat_id", "1001")
	_ = mw.WriteField("caption", "a <i>cat</i>")
	_ = mw.WriteField("parse_mode", "HTML")
	fw, _ := mw.CreateFormFile("photo", "cat.png")
	_, _ = fw.Write([]byte("PNGDATA"))
	_ = mw.Close()
	res, err := http.Post(s.URL()+"/bot"+b.Token()+"/sendPhoto", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	if status, env := decodeEnvelope(t, res); status != 200 || !env.OK {
		t.Fatalf("sendPhoto: %d %+v", status, env)
	}
	// Form-encoded with a URL.
	form := url.Values{"chat_id": {"1001"}, "document": {"https://files.test/report.pdf"}}
	res, err = http.PostForm(s.URL()+"/bot"+b.Token()+"/sendDocument", form)
	if err != nil {
		t.Fatal(err)
	}
	if status, env := decodeEnvelope(t, res); status != 200 || !env.OK {
		t.Fatalf("sendDocument: %d %+v", status, env)
	}
	sent := b.Sent()
	if len(sent) != 2 || string(sent[0].File.Data) != "PNGDATA" || sent[0].File.FileName != "cat.png" || sent[0].Text() != "a cat" {
		t.Fatalf("photo = %+v", sent[0])
	}
	if sent[1].File.URL != "https://files.test/report.pdf" || sent[1].Message.Document.FileName != "report.pdf" {
		t.Fatalf("document = %+v", sent[1])
	}
	// The uploaded photo can be fetched back through getFile.
	_, env := call(t, s, b.Token(), "getFile", map[string]any{"file_id": sent[0].Message.Photo[1].FileID})
	var f File
	if err := json.Unmarshal(env.Result, &f); err != nil || f.FilePath == "" {
		t.Fatalf("getFile: %s", env.Result)
	}
	res, err = http.Get(s.URL() + "/file/bot" + b.Token() + "/" + f.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(data) != "PNGDATA" {
		t.Fatalf("file download = %q", data)
	}
}

func TestCommandsReactionsAndActions(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	m := b.SendPrivate(alice, "hi")
	if _, env := call(t, s, b.Token(), "setMyCommands", map[string]any{"commands": []BotCommand{{"backup", "Git backup"}}}); !env.OK {
		t.Fatalf("setMyCommands: %+v", env)
	}
	if _, env := call(t, s, b.Token(), "setMyCommands", map[string]any{"commands": []BotCommand{{"Bad-Name", "x"}}}); env.OK || env.Description != "Bad Request: BOT_COMMAND_INVALID" {
		t.Fatalf("invalid command accepted: %+v", env)
	}
	if got := b.Commands(); len(got) != 1 || got[0].Command != "backup" {
		t.Fatalf("Commands = %+v", got)
	}
	react := func(emoji string) apiEnvelope {
		_, env := call(t, s, b.Token(), "setMessageReaction", map[string]any{"chat_id": alice.ID, "message_id": m.MessageID,
			"reaction": []ReactionType{{Type: "emoji", Emoji: emoji}}})
		return env
	}
	if env := react("👀"); !env.OK {
		t.Fatalf("react 👀: %+v", env)
	}
	if env := react("🦖"); env.OK || env.Description != "Bad Request: REACTION_INVALID" {
		t.Fatalf("react 🦖: %+v", env)
	}
	if got := b.Reactions(); len(got) != 1 || got[0].Emojis[0] != "👀" || got[0].MessageID != m.MessageID {
		t.Fatalf("Reactions = %+v", got)
	}
	if _, env := call(t, s, b.Token(), "sendChatAction", map[string]any{"chat_id": alice.ID, "action": "typing"}); !env.OK {
		t.Fatalf("sendChatAction: %+v", env)
	}
	if got := b.ChatActions(); len(got) != 1 || got[0].Action != "typing" {
		t.Fatalf("ChatActions = %+v", got)
	}
}

func TestEditMessageText(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	user := b.SendPrivate(alice, "hi")
	_, env := call(t, s, b.Token(), "sendMessage", map[string]any{"chat_id": alice.ID, "text": "draft"})
	var m Message
	_ = json.Unmarshal(env.Result, &m)
	edit := func(id int, text string) apiEnvelope {
		_, env := call(t, s, b.Token(), "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": id, "text": text})
		return env
	}
	if env := edit(m.MessageID, "final"); !env.OK {
		t.Fatalf("edit: %+v", env)
	}
	if env := edit(m.MessageID, "final"); env.OK || !strings.Contains(env.Description, "message is not modified") {
		t.Fatalf("unchanged edit: %+v", env)
	}
	if env := edit(user.MessageID, "x"); env.OK || env.Description != "Bad Request: message can't be edited" {
		t.Fatalf("editing a user's message: %+v", env)
	}
}

func TestWebhookDeliveryRetriesUntilAccepted(t *testing.T) {
	s := NewServer()
	defer s.Close()
	b := s.Bot()
	var fails atomic.Int32
	fails.Store(2)
	got := make(chan Update, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if fails.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var u Update
		_ = json.NewDecoder(r.Body).Decode(&u)
		got <- u
	}))
	defer hook.Close()

	if _, env := call(t, s, b.Token(), "setWebhook", map[string]any{"url": "http://example.test/hook"}); env.OK {
		t.Fatal("plain-http webhook to a public host must be refused")
	}
	if _, env := call(t, s, b.Token(), "setWebhook", map[string]any{"url": hook.URL, "secret_token": "bad secret!"}); env.OK {
		t.Fatal("a secret with spaces must be refused")
	}
	if _, env := call(t, s, b.Token(), "setWebhook", map[string]any{"url": hook.URL, "secret_token": "s3cret"}); !env.OK {
		t.Fatalf("setWebhook: %+v", env)
	}
	if status, _, env := getUpdates(t, s, b.Token(), nil); status != 409 || !strings.Contains(env.Description, "webhook is active") {
		t.Fatalf("getUpdates with a webhook: %d %+v", status, env)
	}
	b.SendPrivate(alice, "via webhook")
	ctx := testContext(t)
	select {
	case u := <-got:
		if u.Message == nil || u.Message.Text != "via webhook" {
			t.Fatalf("delivered %+v", u)
		}
	case <-ctx.Done():
		t.Fatal("update not delivered")
	}
	if err := b.WaitDrained(ctx); err != nil {
		t.Fatal(err)
	}
	ds := b.Deliveries()
	if len(ds) != 3 || ds[0].Status != 500 || ds[1].Status != 500 || ds[2].Status != 200 {
		t.Fatalf("deliveries = %+v, want two 500s then a 200", ds)
	}
	if info := b.WebhookInfo(); info.URL != hook.URL || info.LastErrorMessage == "" {
		t.Fatalf("webhook info = %+v", info)
	}
	if _, env := call(t, s, b.Token(), "deleteWebhook", nil); !env.OK {
		t.Fatalf("deleteWebhook: %+v", env)
	}
	if status, _, _ := getUpdates(t, s, b.Token(), nil); status != 200 {
		t.Fatalf("getUpdates after deleteWebhook: %d", status)
	}
}

func TestDetectEntities(t *testing.T) {
	tests := []struct {
		text string
		want []MessageEntity
	}{
		{"hello", nil},
		{"@openclaw_bot hi", []MessageEntity{{Type: "mention", Offset: 0, Length: 13}}},
		{"hi @abc", nil}, // usernames have at least 5 characters
		{"/start@openclaw_bot now", []MessageEntity{{Type: "bot_command", Offset: 0, Length: 19}}},
		{"🙂 /help", []MessageEntity{{Type: "bot_command", Offset: 3, Length: 5}}}, // the emoji is 2 UTF-16 units
		{"a/b and mail@example.com", nil},
	}
	for _, tt := range tests {
		got := DetectEntities(tt.text)
		if len(got) != len(tt.want) {
			t.Errorf("DetectEntities(%q) = %+v, want %+v", tt.text, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("DetectEntities(%q)[%d] = %+v, want %+v", tt.text, i, got[i], tt.want[i])
			}
		}
	}
}

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in, text string
		ents     []MessageEntity
		err      string
	}{
		{in: "plain", text: "plain"},
		{in: "a &lt;b&gt; &amp; &quot;c&quot; &#128512;", text: `a <b> & "c" 😀`},
		{in: "<b>x<i>y</i></b>", text: "xy", ents: []MessageEntity{{Type: "italic", Offset: 1, Length: 1}, {Type: "bold", Offset: 0, Length: 2}}},
		{in: `<pre><code class="language-go">x</code></pre>`, text: "x", ents: []MessageEntity{{Type: "pre", Offset: 0, Length: 1, Language: "go"}}},
		{in: `<span class="tg-spoiler">s</span>`, text: "s", ents: []MessageEntity{{Type: "spoiler", Offset: 0, Length: 1}}},
		{in: "<b>x</i>", err: `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{in: "a & b", err: "Can't find end of the entity starting at byte offset 2"},
		{in: "1 < 2", err: "Unclosed start tag at byte offset 2"},
		{in: "<x>y</x>", err: `Unsupported start tag "x" at byte offset 0`},
		{in: "<a>x</a>", err: `Tag "a" must have attribute "href"`},
	}
	for _, tt := range tests {
		text, ents, err := parseHTML(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseHTML(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || text != tt.text || len(ents) != len(tt.ents) {
			t.Errorf("parseHTML(%q) = %q %+v %v, want %q %+v", tt.in, text, ents, err, tt.text, tt.ents)
			continue
		}
		for i := range ents {
			if ents[i] != tt.ents[i] {
				t.Errorf("parseHTML(%q) entity %d = %+v, want %+v", tt.in, i, ents[i], tt.ents[i])
			}
		}
	}
}
