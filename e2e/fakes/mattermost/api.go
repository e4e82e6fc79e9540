package mattermostfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /api/v4/users/me":                                       s.getMe,
		"GET /api/v4/users/me/teams":                                 s.getMyTeams,
		"GET /api/v4/users/{id}":                                     s.getUser,
		"GET /api/v4/users/username/{name}":                          s.getUserByName,
		"GET /api/v4/channels/{id}":                                  s.getChannel,
		"GET /api/v4/teams/{team}/channels/name/{name}":              s.getChannelByName,
		"POST /api/v4/channels/direct":                               s.createDirect,
		"POST /api/v4/posts":                                         s.createPost,
		"GET /api/v4/posts/{id}":                                     s.getPost,
		"POST /api/v4/reactions":                                     s.addReaction,
		"DELETE /api/v4/users/{user}/posts/{post}/reactions/{emoji}": s.removeReaction,
		"POST /api/v4/files":                                         s.uploadFiles,
		"GET /api/v4/websocket":                                      s.websocket,
	} {
		mux.Handle(pattern, s.guard(pattern, h))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "api.context.404.app_error", "Sorry, we could not find the page.")
	})
	return mux
}

// guard counts the call, serves an injected fault and checks the token,
// in that order, as Mattermost's rate limiter sits in front of auth. The
// WebSocket route also accepts a token in its authentication challenge.
func (s *Server) guard(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[route]++
		now := time.Now()
		until := s.limitedUntil[route]
		early := now.Before(until)
		if early {
			// The client did not wait for the reset it was given.
			s.violations++
		}
		var f *fault
		if q := s.faults[route]; len(q) > 0 {
			f = &q[0]
			s.faults[route] = q[1:]
		} else if early {
			f = &fault{status: http.StatusTooManyRequests, retryAfter: until.Sub(now)}
		}
		if f != nil && f.status == http.StatusTooManyRequests {
			wait := (f.retryAfter + time.Second - 1) / time.Second * time.Second
			if end := now.Add(wait); end.After(s.limitedUntil[route]) {
				s.limitedUntil[route] = end
			}
		}
		s.mu.Unlock()
		if f != nil {
			if f.status == http.StatusTooManyRequests {
				secs := strconv.Itoa(int((f.retryAfter + time.Second - 1) / time.Second))
				w.Header().Set("X-Ratelimit-Limit", "10")
				w.Header().Set("X-Ratelimit-Remaining", "0")
				w.Header().Set("X-Ratelimit-Reset", secs)
				if !f.noRetryHdr {
					w.Header().Set("Retry-After", secs)
				}
				http.Error(w, "limit exceeded", http.StatusTooManyRequests)
				return
			}
			apiError(w, f.status, "api.fake.injected.app_error", "Injected failure.")
			return
		}
		if route != "GET /api/v4/websocket" {
			if _, ok := s.authenticate(bearer(r)); !ok {
				apiError(w, http.StatusUnauthorized, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
				return
			}
		}
		h(w, r)
	})
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, p := range []string{"Bearer ", "bearer ", "Token ", "token "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):])
		}
	}
	return ""
}

// authenticate maps a token to its user.
func (s *Server) authenticate(token string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejectAll || token == "" {
		return "", false
	}
	id, ok := s.tokens[token]
	return id, ok
}

func apiError(w http.ResponseWriter, status int, id, msg string) {
	writeJSON(w, status, map[string]any{"id": id, "message": msg, "detailed_error": "", "request_id": NewID(), "status_code": status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func userJSON(u *User) map[string]any {
	m := map[string]any{
		"id": u.ID, "username": u.Username, "first_name": u.FirstName, "last_name": u.LastName, "nickname": "",
		"email": u.Username + "@example.com", "roles": "system_user", "locale": "en", "create_at": 1700000000000,
		"update_at": 1700000000000, "delete_at": 0,
	}
	if u.IsBot {
		m["is_bot"] = true
		m["roles"] = "system_user"
	}
	return m
}

func channelJSON(c *Channel) map[string]any {
	return map[string]any{
		"id": c.ID, "team_id": c.TeamID, "type": c.Type, "name": c.Name, "display_name": c.DisplayName,
		"header": "", "purpose": "", "create_at": 1700000000000, "update_at": 1700000000000, "delete_at": 0,
		"last_post_at": 0, "total_msg_count": 0, "creator_id": "",
	}
}

func postJSON(p *Post, files []*File) map[string]any {
	props := p.Props
	if props == nil {
		props = map[string]any{}
	}
	fileIDs := p.FileIDs
	if fileIDs == nil {
		fileIDs = []string{}
	}
	m := map[string]any{
		"id": p.ID, "create_at": p.CreateAt, "update_at": p.CreateAt, "edit_at": 0, "delete_at": 0, "is_pinned": false,
		"user_id": p.UserID, "channel_id": p.ChannelID, "root_id": p.RootID, "original_id": "", "message": p.Message,
		"type": p.Type, "props": props, "hashtags": "", "pending_post_id": p.PendingPostID, "reply_count": 0,
		"file_ids": fileIDs, "metadata": map[string]any{},
	}
	if len(files) > 0 {
		infos := make([]map[string]any, 0, len(files))
		for _, f := range files {
			infos = append(infos, fileInfoJSON(f))
		}
		m["metadata"] = map[string]any{"files": infos}
	}
	return m
}

func fileInfoJSON(f *File) map[string]any {
	ext := ""
	if i := strings.LastIndexByte(f.Name, '.'); i >= 0 {
		ext = f.Name[i+1:]
	}
	return map[string]any{"id": f.ID, "name": f.Name, "extension": ext, "size": f.Size, "mime_type": f.MimeType, "channel_id": f.ChannelID}
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	id, _ := s.authenticate(bearer(r))
	s.mu.Lock()
	u := s.users[id]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, userJSON(u))
}

func (s *Server) getMyTeams(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, []map[string]any{{"id": s.teamID, "name": s.opts.TeamName, "display_name": s.opts.TeamName, "type": "O"}})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u, ok := s.users[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, "app.user.missing_account.const", "Unable to find the user.")
		return
	}
	writeJSON(w, http.StatusOK, userJSON(u))
}

func (s *Server) getUserByName(w http.ResponseWriter, r *http.Request) {
	name := strings.ToLower(r.PathValue("name"))
	s.mu.Lock()
	var found *User
	for _, u := range s.users {
		if strings.ToLower(u.Username) == name {
			found = u
		}
	}
	s.mu.Unlock()
	if found == nil {
		apiError(w, http.StatusNotFound, "app.user.missing_account.const", "Unable to find the user.")
		return
	}
	writeJSON(w, http.StatusOK, userJSON(found))
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.channels[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, "app.channel.get.existing.app_error", "Unable to find the existing channel.")
		return
	}
	writeJSON(w, http.StatusOK, channelJSON(c))
}

func (s *Server) getChannelByName(w http.ResponseWriter, r *http.Request) {
	team, name := r.PathValue("team"), r.PathValue("name")
	s.mu.Lock()
	var found *Channel
	for _, c := range s.channels {
		if c.TeamID == team && c.Name == name {
			found = c
		}
	}
	s.mu.Unlock()
	if found == nil {
		apiError(w, http.StatusNotFound, "app.channel.get_by_name.missing.app_error", "Channel does not exist.")
		return
	}
	writeJSON(w, http.StatusOK, channelJSON(found))
}

func (s *Server) createDirect(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if err := json.NewDecoder(r.Body).Decode(&ids); err != nil || len(ids) != 2 {
		apiError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.users[id]; !ok {
			apiError(w, http.StatusBadRequest, "api.context.invalid_param.app_error", "Invalid user_id parameter.")
			return
		}
	}
	writeJSON(w, http.StatusCreated, channelJSON(s.directLocked(ids[0], ids[1])))
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request) {
	userID, _ := s.authenticate(bearer(r))
	var in struct {
		ChannelID     string         `json:"channel_id"`
		Message       string         `json:"message"`
		RootID        string         `json:"root_id"`
		FileIDs       []string       `json:"file_ids"`
		Props         map[string]any `json:"props"`
		PendingPostID string         `json:"pending_post_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
		return
	}
	if in.Message == "" && len(in.FileIDs) == 0 {
		apiError(w, http.StatusBadRequest, "model.post.is_valid.msg.app_error", "Invalid Message.")
		return
	}
	p, status, err := s.createPostAs(userID, Post{ChannelID: in.ChannelID, Message: in.Message, RootID: in.RootID, FileIDs: in.FileIDs, Props: in.Props, PendingPostID: in.PendingPostID})
	if err != nil {
		apiError(w, status, "api.post.create_post.app_error", err.Error())
		return
	}
	s.mu.Lock()
	files := s.filesOf(p)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, postJSON(p, files))
}

// createPostAs stores a post and broadcasts it. A pending_post_id seen in
// the last PendingPostTTL returns the earlier post instead: that is how
// Mattermost keeps a resent post from appearing twice.
func (s *Server) createPostAs(userID string, in Post) (*Post, int, error) {
	s.mu.Lock()
	c, ok := s.channels[in.ChannelID]
	if !ok {
		s.mu.Unlock()
		return nil, http.StatusBadRequest, fmt.Errorf("invalid channel_id %q", in.ChannelID)
	}
	if in.RootID != "" {
		root, ok := s.byID[in.RootID]
		if !ok || root.ChannelID != c.ID || root.RootID != "" {
			s.mu.Unlock()
			return nil, http.StatusBadRequest, fmt.Errorf("invalid root_id %q", in.RootID)
		}
	}
	for _, id := range in.FileIDs {
		if _, ok := s.files[id]; !ok {
			s.mu.Unlock()
			return nil, http.StatusBadRequest, fmt.Errorf("invalid file id %q", id)
		}
	}
	if in.PendingPostID != "" {
		if pp, ok := s.pending[in.PendingPostID]; ok && time.Since(pp.at) < s.opts.PendingPostTTL {
			p := s.byID[pp.postID]
			s.mu.Unlock()
			return p, http.StatusCreated, nil
		}
	}
	p := in
	p.ID, p.UserID, p.CreateAt = NewID(), userID, time.Now().UnixMilli()
	s.posts = append(s.posts, &p)
	s.byID[p.ID] = &p
	if p.PendingPostID != "" {
		s.pending[p.PendingPostID] = pendingPost{postID: p.ID, at: time.Now()}
	}
	s.broadcastPostedLocked(&p, c)
	s.cond.Broadcast()
	s.mu.Unlock()
	return &p, http.StatusCreated, nil
}

func (s *Server) filesOf(p *Post) []*File {
	var out []*File
	for _, id := range p.FileIDs {
		if f, ok := s.files[id]; ok {
			out = append(out, f)
		}
	}
	return out
}

func (s *Server) getPost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.byID[r.PathValue("id")]
	var files []*File
	if ok {
		files = s.filesOf(p)
	}
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, "app.post.get.app_error", "Unable to get the post.")
		return
	}
	writeJSON(w, http.StatusOK, postJSON(p, files))
}

func (s *Server) addReaction(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID    string `json:"user_id"`
		PostID    string `json:"post_id"`
		EmojiName string `json:"emoji_name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.EmojiName == "" {
		apiError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing reaction in request body.")
		return
	}
	caller, _ := s.authenticate(bearer(r))
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.UserID != caller {
		apiError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	if _, ok := s.byID[in.PostID]; !ok {
		apiError(w, http.StatusBadRequest, "api.context.invalid_param.app_error", "Invalid post_id parameter.")
		return
	}
	s.reactions = append(s.reactions, Reaction{UserID: in.UserID, PostID: in.PostID, EmojiName: in.EmojiName})
	s.cond.Broadcast()
	writeJSON(w, http.StatusOK, map[string]any{"user_id": in.UserID, "post_id": in.PostID, "emoji_name": in.EmojiName, "create_at": time.Now().UnixMilli()})
}

func (s *Server) removeReaction(w http.ResponseWriter, r *http.Request) {
	caller, _ := s.authenticate(bearer(r))
	rc := Reaction{UserID: r.PathValue("user"), PostID: r.PathValue("post"), EmojiName: r.PathValue("emoji"), Removed: true}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rc.UserID != caller {
		apiError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	s.reactions = append(s.reactions, rc)
	s.cond.Broadcast()
	writeJSON(w, http.StatusOK, map[string]any{"status": "OK"})
}

// uploadFiles accepts multipart uploads with a channel_id field and one or
// more "files" parts.
func (s *Server) uploadFiles(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		apiError(w, http.StatusBadRequest, "api.file.upload_file.read_request.app_error", "Unable to upload file(s). Error reading or parsing request data.")
		return
	}
	channelID := r.FormValue("channel_id")
	s.mu.Lock()
	_, ok := s.channels[channelID]
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusBadRequest, "api.context.invalid_param.app_error", "Invalid channel_id parameter.")
		return
	}
	var infos []map[string]any
	for _, fh := range r.MultipartForm.File["files"] {
		f, err := fh.Open()
		if err != nil {
			apiError(w, http.StatusBadRequest, "api.file.upload_file.read_request.app_error", err.Error())
			return
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			apiError(w, http.StatusBadRequest, "api.file.upload_file.read_request.app_error", err.Error())
			return
		}
		file := &File{ID: NewID(), Name: fh.Filename, MimeType: fh.Header.Get("Content-Type"), Size: int64(len(data)), ChannelID: channelID, Data: data}
		s.mu.Lock()
		s.files[file.ID] = file
		s.mu.Unlock()
		infos = append(infos, fileInfoJSON(file))
	}
	if len(infos) == 0 {
		apiError(w, http.StatusBadRequest, "api.file.upload_file.incorrect_number_of_files.app_error", "Unable to upload files. Incorrect number of files specified.")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"file_infos": infos, "client_ids": []string{}})
}
