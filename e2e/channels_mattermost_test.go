//go:build linux

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	mmfake "github.com/openclaw-go/openclaw/e2e/fakes/mattermost"
	"github.com/openclaw-go/openclaw/e2e/harness"
)

// mattermostRig plays two users in direct channels and a public channel.
// The plugin is not bundled: each test builds it into a folder named in
// plugins.load.paths, which runs the same binary the registry publishes.
type mattermostRig struct {
	f         *mmfake.Server
	people    []string
	town      string
	pluginDir string
	// postsBefore counts POST /api/v4/posts when the limit was set.
	postsBefore int
}

const mmPostsRoute = "POST /api/v4/posts"

func newMattermostRig(t *testing.T) chanRig {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mattermost")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "openclaw-plugin-mattermost"), "./plugins/mattermost")
	build.Dir = harness.Root()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the mattermost plugin: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(harness.Root(), "plugins", "mattermost", "openclaw.plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "openclaw.plugin.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	f := mmfake.New(mmfake.Options{})
	r := &mattermostRig{f: f, pluginDir: dir}
	r.people = []string{
		f.AddUser(mmfake.User{Username: "alice", FirstName: "Alice"}),
		f.AddUser(mmfake.User{Username: "bob", FirstName: "Bob"}),
	}
	r.town = f.AddChannel(mmfake.Channel{Name: "town-square", DisplayName: "Town Square"})
	return r
}

func (r *mattermostRig) channel() string { return "mattermost" }
func (r *mattermostRig) plugin() string  { return "openclaw-plugin-mattermost" }
func (r *mattermostRig) close()          { r.f.Close() }

// configure loads the freshly built plugin from its folder.
func (r *mattermostRig) configure(cfg map[string]any) {
	cfg["plugins"] = map[string]any{"load": map[string]any{"paths": []any{r.pluginDir}}}
}

func (r *mattermostRig) block() map[string]any {
	return map[string]any{"botToken": r.f.BotToken(), "baseUrl": r.f.URL()}
}

func (r *mattermostRig) badTokenBlock() map[string]any {
	return map[string]any{"botToken": "not-the-token", "baseUrl": r.f.URL()}
}

func (r *mattermostRig) ready(ctx context.Context) error { return r.f.WaitWebSockets(ctx, 1) }

func (r *mattermostRig) sender(i int) string { return r.people[i] }

func (r *mattermostRig) post(t *testing.T, channel string, who int, text string) {
	t.Helper()
	if _, err := r.f.Post(mmfake.Post{ChannelID: channel, UserID: r.people[who], Message: text}); err != nil {
		t.Fatal(err)
	}
}

func (r *mattermostRig) dm(t *testing.T, who int, text string) {
	t.Helper()
	r.post(t, r.dmConv(who), who, text)
}

func (r *mattermostRig) dmConv(who int) string {
	return r.f.DirectChannel(r.f.BotUserID(), r.people[who])
}

func (r *mattermostRig) groupBlock() map[string]any {
	return map[string]any{"groupPolicy": "open", "groups": map[string]any{r.town: map[string]any{"requireMention": true}}}
}

func (r *mattermostRig) group(t *testing.T, who int, text string, mention bool) {
	t.Helper()
	if mention {
		text = "@" + r.f.BotUsername() + " " + text
	}
	r.post(t, r.town, who, text)
}

func (r *mattermostRig) groupConv() string { return r.town }

func (r *mattermostRig) posts() []chanPost {
	var out []chanPost
	for _, p := range r.f.BotPosts() {
		out = append(out, chanPost{Conv: p.ChannelID, Text: p.Message})
	}
	return out
}

// limits: Mattermost stores up to 16383 characters; the plugin declares
// OpenClaw's 4000 to the gateway, which is what must hold.
func (r *mattermostRig) limits() (int, int) { return 4000, 0 }

func (r *mattermostRig) rateLimitNextSend(d time.Duration) {
	r.postsBefore = r.f.Calls(mmPostsRoute)
	r.f.RateLimit(mmPostsRoute, 1, d)
}

func (r *mattermostRig) checkRateLimit(t *testing.T, _ time.Duration) {
	t.Helper()
	if n := r.f.Calls(mmPostsRoute) - r.postsBefore; n < 2 {
		t.Errorf("%d post calls since the limit was set, want the limited one and its retry", n)
	}
	if v := r.f.RateLimitViolations(); v != 0 {
		t.Errorf("%d requests were sent before the rate limit reset", v)
	}
}

func (r *mattermostRig) disconnect(context.Context) error {
	r.f.DropWebSockets()
	return nil
}

func (r *mattermostRig) connects() int {
	opened, _ := r.f.WebSockets()
	return opened
}
