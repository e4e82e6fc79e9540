package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// webMethod wraps a Web API handler with what every Slack method does
// first: count the call, check the token, and serve an injected fault.
func (s *Server) webMethod(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := parseForm(r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.calls[method]++
		var f *fault
		now := time.Now()
		if until := s.limitedUntil[method]; now.Before(until) {
			// Called again before Retry-After ran out: Slack answers 429
			// again, and the fake remembers the client did not wait.
			s.violations++
			f = &fault{status: http.StatusTooManyRequests, retryAfter: until.Sub(now), slackError: "ratelimited"}
		} else if q := s.faults[method]; len(q) > 0 {
			f = &q[0]
			s.faults[method] = q[1:]
		}
		reject := s.rejectAll
		s.mu.Unlock()

		if errName := s.checkToken(method, r, reject); errName != "" {
			writeError(w, errName)
			return
		}
		if f != nil {
			if f.retryAfter > 0 {
				secs := int((f.retryAfter + time.Second - 1) / time.Second)
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				if f.status == http.StatusTooManyRequests {
					s.mu.Lock()
					if until := now.Add(time.Duration(secs) * time.Second); until.After(s.limitedUntil[method]) {
						s.limitedUntil[method] = until
					}
					s.mu.Unlock()
				}
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": f.slackError})
			return
		}
		h(w, r)
	}
}

// parseForm reads url-encoded and JSON bodies alike into r.Form.
func parseForm(r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		if err := r.ParseForm(); err != nil {
			return err
		}
		var body map[string]any
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		if len(data) > 0 && json.Unmarshal(data, &body) == nil {
			for k, v := range body {
				if str, ok := v.(string); ok {
					r.Form.Set(k, str)
				} else if b, err := json.Marshal(v); err == nil {
					r.Form.Set(k, string(b))
				}
			}
		}
		return nil
	}
	return r.ParseForm()
}

// checkToken returns the Slack error name for a missing or wrong token.
func (s *Server) checkToken(method string, r *http.Request, reject bool) string {
	token := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer"))
	if token == "" {
		token = r.Form.Get("token")
	}
	want := s.opts.BotToken
	if method == "apps.connections.open" {
		want = s.opts.AppToken
	}
	switch {
	case token == "":
		return "not_authed"
	case reject:
		return "invalid_auth"
	case token == want:
		return ""
	case token == s.opts.AppToken || token == s.opts.BotToken:
		return "not_allowed_token_type"
	}
	return "invalid_auth"
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, name string) {
	writeJSON(w, map[string]any{"ok": false, "error": name})
}

func (s *Server) authTest(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{
		"ok": true, "url": "https://fake.slack.com/", "team": s.opts.TeamName, "user": s.opts.BotName,
		"team_id": s.opts.TeamID, "user_id": s.opts.BotUserID, "bot_id": s.opts.BotID, "is_enterprise_install": false,
	})
}

func (s *Server) appsConnectionsOpen(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.nextConnID++
	id := s.nextConnID
	s.mu.Unlock()
	url := fmt.Sprintf("ws://%s/socket?ticket=%d&app_id=%s", s.st.ServerAddr, id, s.opts.AppID)
	writeJSON(w, map[string]any{"ok": true, "url": url})
}

func channelJSON(c *Channel) map[string]any {
	m := map[string]any{
		"id": c.ID, "name": c.Name, "name_normalized": c.Name, "is_member": true,
		"is_channel": c.Type == "channel", "is_group": c.Type == "group", "is_im": c.Type == "im",
		"is_mpim": c.Type == "mpim", "is_private": c.Type == "group" || c.Type == "mpim",
		"is_archived": false, "created": 1700000000,
		"topic":   map[string]any{"value": c.Topic, "creator": "", "last_set": 0},
		"purpose": map[string]any{"value": "", "creator": "", "last_set": 0},
	}
	if c.Type == "im" {
		m["user"] = c.User
		delete(m, "name")
	}
	return m
}

// typeMatches maps conversations.list types to channel types.
func typeMatches(types, channelType string) bool {
	if types == "" {
		types = "public_channel"
	}
	want := map[string]string{"channel": "public_channel", "group": "private_channel", "im": "im", "mpim": "mpim"}[channelType]
	for _, t := range strings.Split(types, ",") {
		if strings.TrimSpace(t) == want {
			return true
		}
	}
	return false
}

func (s *Server) conversationsList(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	start, _ := strconv.Atoi(r.Form.Get("cursor"))
	s.mu.Lock()
	var all []*Channel
	for _, c := range s.channels {
		if typeMatches(r.Form.Get("types"), c.Type) {
			all = append(all, c)
		}
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	if start > len(all) {
		start = len(all)
	}
	end := min(start+limit, len(all))
	page := make([]map[string]any, 0, end-start)
	for _, c := range all[start:end] {
		page = append(page, channelJSON(c))
	}
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	writeJSON(w, map[string]any{"ok": true, "channels": page, "response_metadata": map[string]any{"next_cursor": next}})
}

func (s *Server) conversationsInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.channels[r.Form.Get("channel")]
	s.mu.Unlock()
	if !ok {
		writeError(w, "channel_not_found")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": channelJSON(c)})
}

func (s *Server) conversationsOpen(w http.ResponseWriter, r *http.Request) {
	users := strings.Split(r.Form.Get("users"), ",")
	if len(users) != 1 || users[0] == "" {
		writeError(w, "not_enough_users")
		return
	}
	s.mu.Lock()
	_, known := s.users[users[0]]
	var c *Channel
	if known {
		c = s.dmChannelFor(users[0])
	}
	s.mu.Unlock()
	if !known {
		writeError(w, "user_not_found")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": c.ID}})
}

func (s *Server) usersInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u, ok := s.users[r.Form.Get("user")]
	s.mu.Unlock()
	if !ok {
		writeError(w, "user_not_found")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
		"id": u.ID, "team_id": s.opts.TeamID, "name": u.Name, "real_name": u.RealName, "is_bot": u.IsBot,
		"profile": map[string]any{"real_name": u.RealName, "display_name": u.Name},
	}})
}

// resolveChannel maps a chat.postMessage channel argument to a known
// conversation: a user id means the bot's DM with that user. Call with s.mu
// held.
func (s *Server) resolveChannel(id string) (*Channel, bool) {
	if c, ok := s.channels[id]; ok {
		return c, true
	}
	if _, ok := s.users[id]; ok {
		return s.dmChannelFor(id), true
	}
	return nil, false
}

func (s *Server) chatPostMessage(w http.ResponseWriter, r *http.Request) {
	text := r.Form.Get("text")
	if text == "" && r.Form.Get("blocks") == "" && r.Form.Get("attachments") == "" {
		writeError(w, "no_text")
		return
	}
	s.mu.Lock()
	c, ok := s.resolveChannel(r.Form.Get("channel"))
	if !ok {
		s.mu.Unlock()
		writeError(w, "channel_not_found")
		return
	}
	ts := s.nextTS()
	p := Posted{
		Method: "chat.postMessage", Channel: c.ID, Text: text, ThreadTS: r.Form.Get("thread_ts"), TS: ts,
		ReplyBroadcast: r.Form.Get("reply_broadcast") == "true",
		UnfurlLinks:    r.Form.Get("unfurl_links"), UnfurlMedia: r.Form.Get("unfurl_media"),
	}
	s.posted = append(s.posted, p)
	s.cond.Broadcast()
	echo := !s.opts.NoEcho
	s.mu.Unlock()

	msg := map[string]any{"type": "message", "text": text, "user": s.opts.BotUserID, "bot_id": s.opts.BotID, "ts": ts, "team": s.opts.TeamID}
	if p.ThreadTS != "" {
		msg["thread_ts"] = p.ThreadTS
	}
	if echo {
		ev := map[string]any{}
		for k, v := range msg {
			ev[k] = v
		}
		ev["channel"], ev["channel_type"], ev["event_ts"] = c.ID, c.Type, ts
		s.InjectEvent(ev)
	}
	writeJSON(w, map[string]any{"ok": true, "channel": c.ID, "ts": ts, "message": msg})
}

func (s *Server) chatPostEphemeral(w http.ResponseWriter, r *http.Request) {
	text := r.Form.Get("text")
	if text == "" && r.Form.Get("blocks") == "" {
		writeError(w, "no_text")
		return
	}
	user := r.Form.Get("user")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.resolveChannel(r.Form.Get("channel"))
	if !ok {
		writeError(w, "channel_not_found")
		return
	}
	if _, ok := s.users[user]; !ok {
		writeError(w, "user_not_in_channel")
		return
	}
	ts := s.nextTS()
	s.posted = append(s.posted, Posted{Method: "chat.postEphemeral", Channel: c.ID, Text: text, ThreadTS: r.Form.Get("thread_ts"), TS: ts, User: user})
	s.cond.Broadcast()
	writeJSON(w, map[string]any{"ok": true, "message_ts": ts})
}

func (s *Server) reactionsAdd(w http.ResponseWriter, r *http.Request)    { s.react(w, r, false) }
func (s *Server) reactionsRemove(w http.ResponseWriter, r *http.Request) { s.react(w, r, true) }

func (s *Server) react(w http.ResponseWriter, r *http.Request, remove bool) {
	rc := Reaction{Channel: r.Form.Get("channel"), Timestamp: r.Form.Get("timestamp"), Name: r.Form.Get("name"), Removed: remove}
	if rc.Name == "" {
		writeError(w, "invalid_name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[rc.Channel]; !ok {
		writeError(w, "channel_not_found")
		return
	}
	on := false
	for _, old := range s.reactions {
		if old.Channel == rc.Channel && old.Timestamp == rc.Timestamp && old.Name == rc.Name {
			on = !old.Removed
		}
	}
	switch {
	case !remove && on:
		writeError(w, "already_reacted")
		return
	case remove && !on:
		writeError(w, "no_reaction")
		return
	}
	s.reactions = append(s.reactions, rc)
	s.cond.Broadcast()
	writeJSON(w, map[string]any{"ok": true})
}

func (s *Server) filesGetUploadURL(w http.ResponseWriter, r *http.Request) {
	name := r.Form.Get("filename")
	length, _ := strconv.Atoi(r.Form.Get("length"))
	if name == "" || length <= 0 {
		writeError(w, "invalid_arguments")
		return
	}
	s.mu.Lock()
	s.uploadSeq++
	id := fmt.Sprintf("F%08d", s.uploadSeq)
	s.uploads[id] = &Upload{FileID: id, Filename: name}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "upload_url": s.APIURL() + "upload/" + id, "file_id": id})
}

// uploadContent receives the bytes of an external upload, as a multipart
// form (what slack-go sends) or a raw body.
func (s *Server) uploadContent(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	var data []byte
	var err error
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, perr := mr.NextPart()
			if perr != nil {
				break
			}
			if part.FormName() == "file" {
				data, err = io.ReadAll(part)
				break
			}
		}
	} else {
		data, err = io.ReadAll(r.Body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	u, ok := s.uploads[id]
	if ok {
		u.Data = data
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	_, _ = w.Write([]byte("OK - " + strconv.Itoa(len(data))))
}

func (s *Server) filesCompleteUpload(w http.ResponseWriter, r *http.Request) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(r.Form.Get("files")), &files); err != nil || len(files) == 0 {
		writeError(w, "invalid_arguments")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	channel := r.Form.Get("channel_id")
	if channel != "" {
		c, ok := s.resolveChannel(channel)
		if !ok {
			writeError(w, "channel_not_found")
			return
		}
		channel = c.ID
	}
	out := make([]map[string]any, 0, len(files))
	for _, f := range files {
		u, ok := s.uploads[f.ID]
		if !ok || u.Data == nil {
			writeError(w, "file_not_found")
			return
		}
		u.Channel, u.ThreadTS, u.Comment = channel, r.Form.Get("thread_ts"), r.Form.Get("initial_comment")
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	s.cond.Broadcast()
	writeJSON(w, map[string]any{"ok": true, "files": out})
}
