package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// client speaks the few Mattermost REST v4 routes the plugin needs. The
// official Go module would add about 190 modules to the binary for these.
type client struct {
	base  string // server URL without /api/v4
	token string
	http  *http.Client
}

// apiError is a non-2xx answer, with Mattermost's error id and message and,
// for 429, when to come back.
type apiError struct {
	Method, Path string
	Status       int
	ID           string `json:"id"`
	Message      string `json:"message"`
	RetryAfter   time.Duration
}

func (e *apiError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if e.ID != "" {
		msg += " (" + e.ID + ")"
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, msg)
}

func isStatus(err error, status int) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == status
}

// isAuthError reports a rejected token.
func isAuthError(err error) bool { return isStatus(err, http.StatusUnauthorized) }

// do sends a request to /api/v4<path> and decodes a JSON answer into out.
func (c *client) do(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v4"+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		ae := &apiError{Method: method, Path: path, Status: res.StatusCode}
		_ = json.Unmarshal(data, ae)
		if res.StatusCode == http.StatusTooManyRequests {
			ae.RetryAfter = retryAfter(res.Header)
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// retryAfter reads how long a 429 asks to wait: Retry-After, else
// X-Ratelimit-Reset (seconds until the window resets).
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"Retry-After", "X-Ratelimit-Reset"} {
		if v := strings.TrimSpace(h.Get(k)); v != "" {
			if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
				return time.Duration(secs * float64(time.Second))
			}
		}
	}
	return 0
}

func (c *client) getJSON(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, "", out)
}

func (c *client) sendJSON(ctx context.Context, method, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s %s: encode: %w", method, path, err)
	}
	return c.do(ctx, method, path, bytes.NewReader(b), "application/json", out)
}

type user struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Nickname  string `json:"nickname"`
	IsBot     bool   `json:"is_bot"`
}

func (u user) displayName() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Username
}

type channel struct {
	ID          string `json:"id"`
	TeamID      string `json:"team_id"`
	Type        string `json:"type"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

type team struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type post struct {
	ID            string         `json:"id"`
	CreateAt      int64          `json:"create_at"`
	UserID        string         `json:"user_id"`
	ChannelID     string         `json:"channel_id"`
	RootID        string         `json:"root_id"`
	Message       string         `json:"message"`
	Type          string         `json:"type"`
	Props         map[string]any `json:"props"`
	FileIDs       []string       `json:"file_ids"`
	PendingPostID string         `json:"pending_post_id"`
	Metadata      struct {
		Files []fileInfo `json:"files"`
	} `json:"metadata"`
}

type fileInfo struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	MimeType string `json:"mime_type"`
	Size     int64  `json:"size"`
}

func (c *client) me(ctx context.Context) (user, error) {
	var u user
	return u, c.getJSON(ctx, "/users/me", &u)
}

func (c *client) user(ctx context.Context, id string) (user, error) {
	var u user
	return u, c.getJSON(ctx, "/users/"+url.PathEscape(id), &u)
}

func (c *client) userByUsername(ctx context.Context, name string) (user, error) {
	var u user
	return u, c.getJSON(ctx, "/users/username/"+url.PathEscape(name), &u)
}

func (c *client) channel(ctx context.Context, id string) (channel, error) {
	var ch channel
	return ch, c.getJSON(ctx, "/channels/"+url.PathEscape(id), &ch)
}

func (c *client) myTeams(ctx context.Context) ([]team, error) {
	var ts []team
	return ts, c.getJSON(ctx, "/users/me/teams", &ts)
}

func (c *client) channelByName(ctx context.Context, teamID, name string) (channel, error) {
	var ch channel
	return ch, c.getJSON(ctx, "/teams/"+url.PathEscape(teamID)+"/channels/name/"+url.PathEscape(name), &ch)
}

func (c *client) directChannel(ctx context.Context, a, b string) (channel, error) {
	var ch channel
	return ch, c.sendJSON(ctx, http.MethodPost, "/channels/direct", []string{a, b}, &ch)
}

func (c *client) getPost(ctx context.Context, id string) (post, error) {
	var p post
	return p, c.getJSON(ctx, "/posts/"+url.PathEscape(id), &p)
}

type newPost struct {
	ChannelID     string   `json:"channel_id"`
	Message       string   `json:"message"`
	RootID        string   `json:"root_id,omitempty"`
	FileIDs       []string `json:"file_ids,omitempty"`
	PendingPostID string   `json:"pending_post_id,omitempty"`
}

func (c *client) createPost(ctx context.Context, p newPost) (post, error) {
	var out post
	return out, c.sendJSON(ctx, http.MethodPost, "/posts", p, &out)
}

func (c *client) addReaction(ctx context.Context, userID, postID, emoji string) error {
	return c.sendJSON(ctx, http.MethodPost, "/reactions", map[string]string{"user_id": userID, "post_id": postID, "emoji_name": emoji}, nil)
}

func (c *client) removeReaction(ctx context.Context, userID, postID, emoji string) error {
	return c.do(ctx, http.MethodDelete, "/users/"+url.PathEscape(userID)+"/posts/"+url.PathEscape(postID)+"/reactions/"+url.PathEscape(emoji), nil, "", nil)
}

// uploadFile uploads one file to a channel and returns its id.
func (c *client) uploadFile(ctx context.Context, channelID, name, mimeType string, data []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("channel_id", channelID); err != nil {
		return "", err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename=%q`, name))
	if mimeType == "" {
		mimeType = "application/octet-stream"
	}
	h.Set("Content-Type", mimeType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return "", err
	}
	if _, err := part.Write(data); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	var out struct {
		FileInfos []fileInfo `json:"file_infos"`
	}
	if err := c.do(ctx, http.MethodPost, "/files", &buf, mw.FormDataContentType(), &out); err != nil {
		return "", err
	}
	if len(out.FileInfos) != 1 {
		return "", fmt.Errorf("POST /files: %d file infos for one file", len(out.FileInfos))
	}
	return out.FileInfos[0].ID, nil
}

// classify decides which failures are worth another attempt: rate limits
// (after the server's wait), server errors and network failures. Posts
// carry a pending_post_id, so a resend after a lost answer is not posted
// twice. Other 4xx answers are final.
func classify(err error) verdict {
	var ae *apiError
	if errors.As(err, &ae) {
		switch {
		case ae.Status == http.StatusTooManyRequests:
			return verdict{retry: true, after: ae.RetryAfter}
		case ae.Status >= 500:
			return verdict{retry: true}
		}
		return verdict{}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return verdict{}
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return verdict{retry: true}
	}
	return verdict{}
}
