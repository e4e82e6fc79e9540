package discord

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxContent is Discord's limit on a message's content, in characters.
const maxContent = 2000

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Clients add a trailing slash to the URL GET /gateway gives them.
	mux.HandleFunc("GET /gateway", s.serveGateway)
	mux.HandleFunc("GET /gateway/{$}", s.serveGateway)
	mux.HandleFunc("GET /attachments/{cid}/{aid}/{name}", s.serveAttachment)
	s.api(mux, "GET", "/gateway", false, s.getGateway)
	s.api(mux, "GET", "/gateway/bot", true, s.getGatewayBot)
	s.api(mux, "GET", "/users/@me", true, s.getMe)
	s.api(mux, "POST", "/users/@me/channels", true, s.createDM)
	s.api(mux, "GET", "/channels/{cid}", true, s.getChannel)
	s.api(mux, "GET", "/channels/{cid}/messages", true, s.listMessages)
	s.api(mux, "POST", "/channels/{cid}/messages", true, s.createMessage)
	s.api(mux, "GET", "/channels/{cid}/messages/{mid}", true, s.getMessage)
	s.api(mux, "PUT", "/channels/{cid}/messages/{mid}/reactions/{emoji}/@me", true, s.putReaction)
	s.api(mux, "DELETE", "/channels/{cid}/messages/{mid}/reactions/{emoji}/@me", true, s.deleteReaction)
	s.api(mux, "GET", "/guilds/{gid}", true, s.getGuild)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
	})
	return mux
}

// statusRecorder remembers the status a handler wrote, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

// api registers a REST route under /api/v9 and /api/v10 with Discord's
// authentication, rate limiting and the request log.
func (s *Server) api(mux *http.ServeMux, method, route string, auth bool, h http.HandlerFunc) {
	mux.HandleFunc(method+" /api/{version}"+route, func(w http.ResponseWriter, r *http.Request) {
		version := r.PathValue("version")
		if version != "v9" && version != "v10" {
			writeError(w, http.StatusNotFound, 0, "404: Not Found")
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/api/"+version)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, Request{Method: r.Method, Path: path, Status: rec.status, At: s.now()})
			s.broadcast()
			s.mu.Unlock()
		}()
		s.mu.Lock()
		if auth && !s.validToken(r.Header.Get("Authorization")) {
			s.mu.Unlock()
			writeError(rec, http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		// Discord buckets by route and its major parameter.
		major := r.PathValue("cid") + r.PathValue("gid")
		isSend := method == http.MethodPost && route == "/channels/{cid}/messages"
		ok := s.admit(rec, method, path, method+" "+route+" "+major, isSend)
		s.mu.Unlock()
		if ok {
			h(rec, r)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with Discord's error body: {"message": …, "code": …}.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"message": message, "code": code})
}

// writeFormError answers 400 Invalid Form Body with one field error, in
// Discord's nested errors shape.
func writeFormError(w http.ResponseWriter, field, code, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"message": "Invalid Form Body",
		"code":    50035,
		"errors":  map[string]any{field: map[string]any{"_errors": []map[string]string{{"code": code, "message": message}}}},
	})
}

// Discord's JSON error codes used here.
const (
	codeUnknownChannel = 10003
	codeUnknownGuild   = 10004
	codeUnknownMessage = 10008
	codeUnknownEmoji   = 10014
	codeEmptyMessage   = 50006
)

func (s *Server) getGateway(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"url": s.GatewayURL()})
}

func (s *Server) getGatewayBot(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"url":    s.GatewayURL(),
		"shards": 1,
		"session_start_limit": map[string]int{
			"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1,
		},
	})
}

func (s *Server) getMe(w http.ResponseWriter, _ *http.Request) {
	bot := *s.world.Bot.User
	writeJSON(w, http.StatusOK, map[string]any{
		"id": bot.ID, "username": bot.Username, "discriminator": bot.Discriminator,
		"global_name": bot.GlobalName, "avatar": bot.Avatar, "bot": true,
		"verified": true, "mfa_enabled": false, "flags": 0,
	})
}

func (s *Server) createDM(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RecipientID string `json:"recipient_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[body.RecipientID]; !ok {
		writeFormError(w, "recipient_id", "NUMBER_TYPE_COERCE", "Value \""+body.RecipientID+"\" is not snowflake.")
		return
	}
	writeJSON(w, http.StatusOK, s.dmChannelLocked(body.RecipientID))
}

// dmChannelLocked returns the bot's DM channel with a user, opening it once.
func (s *Server) dmChannelLocked(userID string) Channel {
	if id, ok := s.dms[userID]; ok {
		return *s.channels[id]
	}
	ch := &Channel{ID: s.ids.next(), Type: ChannelDM, Recipients: []User{s.users[userID]}}
	s.channels[ch.ID] = ch
	s.dms[userID] = ch.ID
	return *ch
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[r.PathValue("cid")]
	if !ok {
		writeError(w, http.StatusNotFound, codeUnknownChannel, "Unknown Channel")
		return
	}
	writeJSON(w, http.StatusOK, ch)
}

func (s *Server) getGuild(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("gid") != s.world.Guild.ID {
		writeError(w, http.StatusNotFound, codeUnknownGuild, "Unknown Guild")
		return
	}
	writeJSON(w, http.StatusOK, s.world.Guild)
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeFormError(w, "limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
			return
		}
		limit = n
	}
	after, before := q.Get("after"), q.Get("before")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[r.PathValue("cid")]; !ok {
		writeError(w, http.StatusNotFound, codeUnknownChannel, "Unknown Channel")
		return
	}
	var out []*Message
	for _, m := range s.messages[r.PathValue("cid")] {
		if after != "" && !idLess(after, m.ID) || before != "" && !idLess(m.ID, before) {
			continue
		}
		out = append(out, m)
	}
	// With after, Discord returns the oldest page after the id; without,
	// the newest. Either way the page is listed newest first.
	if after != "" && len(out) > limit {
		out = out[:limit]
	} else if len(out) > limit {
		out = out[len(out)-limit:]
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[j].ID, out[i].ID) })
	if out == nil {
		out = []*Message{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(r.PathValue("cid"), r.PathValue("mid"))
	if m == nil {
		writeError(w, http.StatusNotFound, codeUnknownMessage, "Unknown Message")
		return
	}
	writeJSON(w, http.StatusOK, m)
}

type createBody struct {
	Content          string            `json:"content"`
	Nonce            json.RawMessage   `json:"nonce"`
	EnforceNonce     bool              `json:"enforce_nonce"`
	TTS              bool              `json:"tts"`
	Flags            int               `json:"flags"`
	Embeds           []any             `json:"embeds"`
	StickerIDs       []string          `json:"sticker_ids"`
	MessageReference *MessageReference `json:"message_reference"`
	AllowedMentions  json.RawMessage   `json:"allowed_mentions"`
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	body, files, err := readCreateBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	if body.Content == "" && len(files) == 0 && len(body.Embeds) == 0 && len(body.StickerIDs) == 0 {
		writeError(w, http.StatusBadRequest, codeEmptyMessage, "Cannot send an empty message")
		return
	}
	if n := utf8.RuneCountInString(body.Content); n > maxContent {
		writeFormError(w, "content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
		return
	}
	var nonce any
	if len(body.Nonce) > 0 && string(body.Nonce) != "null" {
		if err := json.Unmarshal(body.Nonce, &nonce); err != nil {
			writeFormError(w, "nonce", "BASE_TYPE_BAD_TYPE", "Must be a string or integer.")
			return
		}
		if str, ok := nonce.(string); ok && len(str) > 25 {
			writeFormError(w, "nonce", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
			return
		}
	}
	cid := r.PathValue("cid")
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[cid]
	if !ok {
		writeError(w, http.StatusNotFound, codeUnknownChannel, "Unknown Channel")
		return
	}
	nonceKey := ""
	if nonce != nil && body.EnforceNonce {
		raw, _ := json.Marshal(nonce)
		nonceKey = s.BotID() + "/" + cid + "/" + string(raw)
		if m, ok := s.nonces[nonceKey]; ok {
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	var ref *Message
	if mr := body.MessageReference; mr != nil && mr.MessageID != "" {
		refChannel := cid
		if mr.ChannelID != "" {
			refChannel = mr.ChannelID
		}
		ref = s.findLocked(refChannel, mr.MessageID)
		if ref == nil && (mr.FailIfNotExists == nil || *mr.FailIfNotExists) {
			writeFormError(w, "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
			return
		}
	}
	m := s.postLocked(ch, post{author: *s.world.Bot.User, content: body.Content, attachments: files, ref: ref, nonce: nonce, flags: body.Flags, tts: body.TTS})
	if nonceKey != "" {
		s.nonces[nonceKey] = m
	}
	writeJSON(w, http.StatusOK, m)
}

// readCreateBody reads a message create as JSON or as multipart/form-data
// with payload_json and files[n] parts, as Discord accepts both.
func readCreateBody(r *http.Request) (createBody, []Attachment, error) {
	var body createBody
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/form-data") {
		err := json.NewDecoder(r.Body).Decode(&body)
		return body, nil, err
	}
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		return body, nil, err
	}
	if err := json.Unmarshal([]byte(r.FormValue("payload_json")), &body); err != nil {
		return body, nil, err
	}
	var keys []string
	for k := range r.MultipartForm.File {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var files []Attachment
	for _, k := range keys {
		if !strings.HasPrefix(k, "files[") {
			continue
		}
		for _, fh := range r.MultipartForm.File[k] {
			f, err := fh.Open()
			if err != nil {
				return body, nil, err
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return body, nil, err
			}
			files = append(files, Attachment{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
		}
	}
	return body, files, nil
}

var customEmoji = regexp.MustCompile(`^[\w~-]+:\d+$`)

func (s *Server) putReaction(w http.ResponseWriter, r *http.Request) {
	s.react(w, r, true)
}

func (s *Server) deleteReaction(w http.ResponseWriter, r *http.Request) {
	s.react(w, r, false)
}

func (s *Server) react(w http.ResponseWriter, r *http.Request, add bool) {
	cid, mid, emoji := r.PathValue("cid"), r.PathValue("mid"), r.PathValue("emoji")
	if emoji == "" || strings.Contains(emoji, ":") && !customEmoji.MatchString(emoji) {
		writeError(w, http.StatusBadRequest, codeUnknownEmoji, "Unknown Emoji")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[cid]; !ok {
		writeError(w, http.StatusNotFound, codeUnknownChannel, "Unknown Channel")
		return
	}
	if s.findLocked(cid, mid) == nil {
		writeError(w, http.StatusNotFound, codeUnknownMessage, "Unknown Message")
		return
	}
	rc := Reaction{ChannelID: cid, MessageID: mid, UserID: s.BotID(), Emoji: emoji}
	kept := s.reactions[:0]
	for _, x := range s.reactions {
		if x != rc {
			kept = append(kept, x)
		}
	}
	s.reactions = kept
	if add {
		s.reactions = append(s.reactions, rc)
	}
	s.broadcast()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	data, ok := s.files[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func (s *Server) findLocked(channelID, messageID string) *Message {
	for _, m := range s.messages[channelID] {
		if m.ID == messageID {
			return m
		}
	}
	return nil
}

// idLess orders snowflakes numerically (they are decimal strings).
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

var errBadAttachment = errors.New("attachment needs a file name")
